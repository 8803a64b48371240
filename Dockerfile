# The Firehose webhook as a container: the Node HTTP server bundled with the MongoDB driver.
# docker build -t atlas-kinesis-bridge-webhook . && docker run -p 8080:8080 -e MONGODB_URI=... -e FIREHOSE_ACCESS_KEY=... atlas-kinesis-bridge-webhook
# Without MONGODB_URI it refuses to start (exit 1, naming it), never keeping deliveries in memory by
# accident; to try it without a cluster, ask for the embedded store: append `node webhook-server.cjs --embedded`.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:hosts

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0
COPY --from=build /src/build/webhook-server.cjs ./webhook-server.cjs
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "require('http').get('http://127.0.0.1:'+process.env.PORT+'/healthz',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"
# SIGTERM (docker stop) lets in-flight deliveries finish before the process exits.
CMD ["node", "webhook-server.cjs"]
