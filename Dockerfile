# The GraphQL API (and the loader) as a container; docker-compose.yml runs it against Neo4j.
#   docker build -t kernel-graphapi .
#   docker run --rm -p 8000:8000 -e NEO4J_AUTH=neo4j/secret kernel-graphapi \
#       serve --neo4j bolt://neo4j-host:7687 --host 0.0.0.0
FROM python:3.11-slim

# git: public-inbox archives are read with it (graphapi load --neo4j ... /data/inbox.git)
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY loaders ./loaders
COPY graphapi ./graphapi
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 graphapi \
    && mkdir -p /data && chown graphapi:graphapi /data  # the database Neo4j follows (compose volume)

USER graphapi
ENV PYTHONUNBUFFERED=1
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=6 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]

ENTRYPOINT ["graphapi"]
CMD ["serve", "--neo4j", "bolt://neo4j:7687", "--host", "0.0.0.0", "--port", "8000"]
