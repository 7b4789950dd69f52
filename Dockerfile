# syntax=docker/dockerfile:1
# prism-operator image: `make docker-build IMG=...`.

# Build: every dependency (TypeScript is a devDependency), compile src/ to dist/.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

# Production dependencies only.
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Runtime: node, production node_modules and dist/, as an unprivileged user.
FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The image's "node" user (uid 1000); numeric so runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8081
ENTRYPOINT ["node", "dist/main.js"]
