# Merajut Sehat container image. Templates, CSS/JS and migrations are compiled into the binary,
# so the runtime stage holds only the binary and CA certificates.
#
#   docker build -t merajut-sehat .
#   docker run -e DATABASE_URL=postgres://… -v merajut-files:/data -p 8080:8080 merajut-sehat
#
# The image has no PostgreSQL server binaries: DATABASE_URL is required (the embedded cluster is
# for bare-metal installs; see docs/operations.md).

# ---- build ------------------------------------------------------------------------------------
FROM rust:1.95-bookworm AS builder
WORKDIR /build
# Never look for a database while compiling: a missing or stale `.sqlx/` must fail the build.
ENV SQLX_OFFLINE=true

# Dependencies first, against placeholder sources, so that this layer is reused until
# Cargo.toml or Cargo.lock change. The crate has both a library and a binary target.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src

# The real sources. `sqlx::migrate!("./migrations")`, askama (`templates/`) and `include_str!`
# (`static/`) read these directories at compile time.
COPY src ./src
# The compile-time checked queries (`sqlx::query!`) read their offline data here: there is no
# database at build time.
COPY .sqlx ./.sqlx
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
# COPY keeps the files' original modification times, which can be older than the placeholder
# build above; touching the crate roots makes Cargo rebuild the crate itself.
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked \
    && install -D -m 0755 target/release/merajut-sehat /out/merajut-sehat

# ---- runtime ----------------------------------------------------------------------------------
FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# An unprivileged user owning the data directory (uploaded documents live in /data/files).
RUN groupadd --system --gid 10001 merajut \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin merajut \
    && mkdir -p /data \
    && chown 10001:10001 /data \
    && chmod 0750 /data

COPY --from=builder /out/merajut-sehat /usr/local/bin/merajut-sehat

ENV MERAJUT_BIND=0.0.0.0:8080 \
    MERAJUT_DATA_DIR=/data \
    MERAJUT_LOG_FORMAT=json

VOLUME ["/data"]
WORKDIR /data
EXPOSE 8080
USER 10001:10001

# No HEALTHCHECK: the slim image has neither curl nor wget, and adding one only for probing would
# enlarge the attack surface. Probe GET /readyz (database reachable, all migrations applied) or
# GET /healthz (process up) from the orchestrator or reverse proxy instead.

# Without arguments the binary serves; operator subcommands run through the same entrypoint, e.g.
#   docker compose exec -T app merajut-sehat user reset-password --username admin --password-stdin
ENTRYPOINT ["/usr/local/bin/merajut-sehat"]
