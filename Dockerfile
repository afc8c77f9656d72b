# One image for every Sesame part; the `sesame` command is the entrypoint.
#   docker build -t sesame:dev .        docker run --rm sesame:dev edge --help
# compose.yaml builds it as sesame:dev; deploy/ runs it as ghcr.io/projectsesame/sesame.
# test/compose/dockerfile.test.ts checks this file and replays its production install outside Docker.

# Build: every dependency, the TypeScript build; then only what runs is kept: production dependencies
# (npm may nest some under a workspace, e.g. shared/node_modules) and each package's package.json and dist.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.base.json ./
COPY shared/package.json shared/
COPY services/certgen/package.json services/certgen/
COPY services/watcher/package.json services/watcher/
COPY services/xds-edge/package.json services/xds-edge/
COPY cli/package.json cli/
# --ignore-scripts: the root `prepare` script builds, which needs the sources copied below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY shared shared
COPY services services
COPY cli cli
RUN npx tsc -b shared services/certgen services/watcher services/xds-edge cli \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf tsconfig.base.json shared/src services/*/src cli/src \
    shared/tsconfig.json services/*/tsconfig.json cli/tsconfig.json \
    shared/dist/.tsbuildinfo services/*/dist/.tsbuildinfo cli/dist/.tsbuildinfo

# Run: Node.js, the compiled packages and their production dependencies; no compiler, no sources.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src ./
COPY bin bin
# The default of `sesame local --manifests` and `sesame stack --manifests`.
COPY examples/manifests examples/manifests
# State written at run time (certificates, Envoy's bootstrap) goes to a volume mounted here; a new named
# volume takes this directory's owner, so the unprivileged user below can write to it.
RUN mkdir -p /var/lib/sesame && chown 65534:65534 /var/lib/sesame
# nobody:nogroup, the user deploy/ runs every container as.
USER 65534:65534
ENTRYPOINT ["node", "/app/bin/sesame.js"]
CMD ["--help"]
