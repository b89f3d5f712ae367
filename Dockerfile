# One image for every Tributary component; the Helm chart picks the command.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json .npmrc ./
COPY packages ./packages
COPY services ./services
COPY test/package.json ./test/package.json
RUN npm ci --no-audit --no-fund && npm cache clean --force
RUN printf '#!/bin/sh\nexec node --import tsx /app/packages/cli/src/main.ts "$@"\n' > /usr/local/bin/tributary \
 && chmod +x /usr/local/bin/tributary
# The image's `node` user and group, by number: a kubelet enforcing runAsNonRoot can only
# verify a numeric user (the chart's podSecurityContext sets the same ids).
USER 1000:1000
CMD ["tributary", "--help"]
