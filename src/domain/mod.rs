//! Validated types and rules of the product, with no HTTP or SQL inside: a unit test reaches them
//! directly.

pub mod ballot;
pub mod canonical;
pub mod comment;
pub mod diff;
pub mod event;
pub mod member;
pub mod role;
pub mod stage;
pub mod standard;
pub mod time;
pub mod validate;

/// A closed vocabulary stored and sent as snake_case text: `as_str`, `parse`, `ALL`, serde and
/// an OpenAPI enum from one list.
#[macro_export]
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        // utoipa does not read a `rename` whose value comes from a macro argument, so the
        // container-level rule (which every vocabulary follows) is what the OpenAPI enum shows;
        // a test in `openapi` checks that every served enum is snake_case text.
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some(Self::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
