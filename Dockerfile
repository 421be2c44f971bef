# syntax=docker/dockerfile:1
# Multi-stage build of the API server. The registry and target directories are BuildKit cache
# mounts: a source change rebuilds the workspace's crates, not every dependency.
FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p zhaoshang-api \
 && cp target/release/zhaoshang-api /usr/local/bin/zhaoshang-api

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/zhaoshang --create-home zhaoshang
COPY --from=build /usr/local/bin/zhaoshang-api /usr/local/bin/zhaoshang-api
USER zhaoshang
ENV ZHAOSHANG_BIND=0.0.0.0:8080 \
    ZHAOSHANG_DATA_DIR=/var/lib/zhaoshang
VOLUME ["/var/lib/zhaoshang"]
EXPOSE 8080
# The image has no curl: the binary asks its own /healthz (on loopback for 0.0.0.0).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["zhaoshang-api", "healthcheck"]
ENTRYPOINT ["zhaoshang-api"]
CMD ["serve"]
