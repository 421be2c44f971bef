# Multi-stage build of the API server.
FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p zhaoshang-api

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/zhaoshang --create-home zhaoshang
COPY --from=build /src/target/release/zhaoshang-api /usr/local/bin/zhaoshang-api
USER zhaoshang
ENV ZHAOSHANG_BIND=0.0.0.0:8080 \
    ZHAOSHANG_DATA_DIR=/var/lib/zhaoshang
VOLUME ["/var/lib/zhaoshang"]
EXPOSE 8080
ENTRYPOINT ["zhaoshang-api"]
CMD ["serve"]
