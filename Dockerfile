# The Reciproca web image used by docker-compose.yml (docs/deploy.md).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY projections ./projections
COPY webapp ./webapp
RUN pip install --no-cache-dir . && useradd --system --home /app reciproca
USER reciproca
EXPOSE 8000
CMD ["reciproca", "serve", "--host", "0.0.0.0", "--port", "8000"]
