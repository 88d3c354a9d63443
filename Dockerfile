# Build: everything (SQLite, libpq, OpenSSL) is compiled from source, so the builder needs only
# a C compiler, make and perl, which the rust image has.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
# .cargo/config.toml carries the compile-time options of the bundled SQLite.
COPY .cargo ./.cargo
COPY src ./src
COPY migrations ./migrations
# Compiled into the binary: the API description and the demo body of `accord seed-demo`.
COPY docs ./docs
COPY seed ./seed
RUN cargo build --release --locked && strip target/release/accord

# Run: a small image, a non-root user, data in a volume.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data accord \
    && mkdir -p /data && chown accord /data
COPY --from=build /src/target/release/accord /usr/local/bin/accord
USER accord
WORKDIR /data
VOLUME ["/data"]
ENV ACCORD_BIND=0.0.0.0:8080 \
    ACCORD_DATABASE_URL=sqlite:///data/accord.db \
    ACCORD_DATA_DIR=/data \
    ACCORD_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/accord"]
CMD ["serve"]
