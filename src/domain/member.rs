//! Members of the body: states (ISO 3166-1 alpha-3 codes, checked against the real list) and
//! organisations (short upper-case codes that are not country codes).

use crate::vocabulary;

vocabulary! {
    /// A state or an international organisation.
    MemberKind { State => "state", Organisation => "organisation" }
}

vocabulary! {
    /// Membership status; only `active` members may act (comment, ratify).
    MemberStatus { Active => "active", Suspended => "suspended", Withdrawn => "withdrawn" }
}

vocabulary! {
    /// The five UN regional groups, and `global` for organisations without one.
    Region {
        Africa => "africa",
        AsiaPacific => "asia_pacific",
        EasternEurope => "eastern_europe",
        LatinAmericaCaribbean => "latin_america_caribbean",
        WesternEuropeOthers => "western_europe_others",
        Global => "global",
    }
}

/// Checks a member code against its kind; `Err` is a sentence for the caller.
pub fn check_code(kind: MemberKind, code: &str) -> Result<(), String> {
    let is_iso = isocountry::CountryCode::for_alpha3(code).is_ok();
    match kind {
        MemberKind::State => {
            if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                Err(format!(
                    "a state's code is its ISO 3166-1 alpha-3 code in capitals (such as BRA); `{code}` is not"
                ))
            } else if !is_iso {
                Err(format!(
                    "`{code}` is not an ISO 3166-1 alpha-3 country code"
                ))
            } else {
                Ok(())
            }
        }
        MemberKind::Organisation => {
            let well_formed = (2..=16).contains(&code.len())
                && code.as_bytes()[0].is_ascii_uppercase()
                && code
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            if !well_formed {
                Err(format!(
                    "an organisation's code has 2 to 16 capital letters or digits, starting with a letter (such as OECD); `{code}` is not"
                ))
            } else if is_iso {
                Err(format!(
                    "`{code}` is a country code and cannot name an organisation"
                ))
            } else {
                Ok(())
            }
        }
    }
}

/// Syntactic check for a code in a URL or a filter, before any lookup.
pub fn looks_like_code(code: &str) -> bool {
    (2..=16).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_need_a_real_alpha3_code() {
        assert!(check_code(MemberKind::State, "BRA").is_ok());
        assert!(check_code(MemberKind::State, "KEN").is_ok());
        assert!(check_code(MemberKind::State, "SSD").is_ok());
        assert!(check_code(MemberKind::State, "XYZ").is_err());
        assert!(check_code(MemberKind::State, "bra").is_err());
        assert!(check_code(MemberKind::State, "BR").is_err());
    }

    #[test]
    fn organisations_must_not_take_country_codes() {
        assert!(check_code(MemberKind::Organisation, "OECD").is_ok());
        assert!(check_code(MemberKind::Organisation, "AU").is_ok());
        assert!(check_code(MemberKind::Organisation, "FRA").is_err());
        assert!(check_code(MemberKind::Organisation, "1AB").is_err());
        assert!(check_code(MemberKind::Organisation, "O").is_err());
    }

    #[test]
    fn vocabularies_round_trip() {
        for s in Region::ALL {
            assert_eq!(Region::parse(s).map(Region::as_str), Some(*s));
        }
        assert_eq!(MemberKind::parse("State"), None);
    }
}
