# One image for every Sesame part; the `sesame` command is the entrypoint.
# Build: docker build -t sesame .   Run: docker run sesame edge --help

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.base.json tsconfig.json tsconfig.test.json ./
COPY shared/package.json shared/
COPY services/certgen/package.json services/certgen/
COPY services/watcher/package.json services/watcher/
COPY services/xds-edge/package.json services/xds-edge/
COPY cli/package.json cli/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY shared shared
COPY services services
COPY cli cli
RUN npx tsc -b shared services/certgen services/watcher services/xds-edge cli \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/shared/package.json shared/
COPY --from=build /src/shared/dist shared/dist
COPY --from=build /src/services/certgen/package.json services/certgen/
COPY --from=build /src/services/certgen/dist services/certgen/dist
COPY --from=build /src/services/watcher/package.json services/watcher/
COPY --from=build /src/services/watcher/dist services/watcher/dist
COPY --from=build /src/services/xds-edge/package.json services/xds-edge/
COPY --from=build /src/services/xds-edge/dist services/xds-edge/dist
COPY --from=build /src/cli/package.json cli/
COPY --from=build /src/cli/dist cli/dist
COPY bin bin
COPY examples examples
USER 65534:65534
ENTRYPOINT ["node", "/app/bin/sesame.js"]
CMD ["--help"]
