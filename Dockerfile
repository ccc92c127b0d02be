FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph ./graph
COPY ingest ./ingest
COPY api ./api
RUN pip install --no-cache-dir .
RUN useradd --system mosaic && mkdir -p /var/lib/mosaic && chown mosaic /var/lib/mosaic
USER mosaic
EXPOSE 8000
CMD ["mosaic", "serve", "--host", "0.0.0.0", "--port", "8000"]
