# syntax=docker/dockerfile:1
#
# ofd-gateway image: one image for every role (OFD_ROLES=gateway | worker | api, or all), the `ofd migrate` one-shot and
# the fake external servers (`ofd fake-pkz|fake-fns|fake-crpt`). See docs/operations.md.
#
#   docker build -t ofd-gateway .
#   docker run --rm -e OFD_ROLES=gateway -e REDIS_URL=redis://redis:6379 -p 4000:4000 -p 8080:8080 ofd-gateway
#
# Three stages: `build` compiles TypeScript with the dev dependencies, `deps` installs the production dependencies only,
# `runtime` takes dist/ + node_modules + package.json from them and nothing else (no sources, tests, fixtures, lockfile,
# npm cache or secrets — .dockerignore is an allow-list).
#
# npm runs with --ignore-scripts in both stages, as on the project's build machines (npm 11 does not run dependency
# install scripts): the one production package with an install script, msgpackr-extract (optional, via bullmq → msgpackr),
# ships prebuilt binaries as optional packages and does not need it.

ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: full install, tsc → dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY protocol ./protocol
COPY migrations ./migrations
COPY src ./src
RUN npm run build

# ---- deps: production dependencies only (pino-pretty, tsx, vitest, testcontainers… stay out) ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="ofd-gateway" \
      org.opencontainers.image.description="Open-source fiscal data operator (ОФД, 54-ФЗ): KKT TCP gateway, persist worker, API" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
# The Cyrillic font of invoices and acts (OFD_PDF_FONT; DejaVu Sans, a licence that allows embedding).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
# LOG_PRETTY must stay false: pino-pretty is a dev dependency and is not in this image.
ENV NODE_ENV=production \
    LOG_PRETTY=false \
    OFD_HOST=0.0.0.0
# Root-owned and read-only to the app: the process writes nothing to its own directory.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The base image's unprivileged user (uid/gid 1000). Ports 4000/4001/8080 are above 1024, no capabilities needed.
USER node

# 4000: register (ККТ) TCP gateway, 4001: marking (ОИСМ) TCP, 8080: HTTP (/metrics, /health/live, /health/ready, API).
EXPOSE 4000 4001 8080

# No curl in the slim image: Node's fetch. /health/live on OFD_HTTP_PORT over loopback (OFD_HOST must include it —
# the default 0.0.0.0 does). Services that do not serve HTTP on that port (migrate, fake servers) disable it in compose.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.OFD_HTTP_PORT || 8080) + '/health/live', { signal: AbortSignal.timeout(3000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# SIGTERM starts the ordered, bounded shutdown (architecture decision 9); give it time (compose: stop_grace_period).
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
