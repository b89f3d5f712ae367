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
USER node
CMD ["tributary", "--help"]
