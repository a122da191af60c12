# StockFlow API image: slim Python, non-root, gunicorn serving wsgi:app.

# The front-end packages that /docs and the dashboard serve (package-lock.json), without newman.
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FLASK_APP=wsgi \
    BIND=0.0.0.0:5000

WORKDIR /srv/stockflow

COPY requirements.txt .
RUN pip install -r requirements.txt

# The app writes in its instance folder (the scheduler's schedule file, the embedded broker).
RUN useradd --create-home --uid 10001 stockflow \
 && install -d -o stockflow -g stockflow instance
COPY --chown=stockflow:stockflow . .
COPY --from=assets /assets/node_modules ./node_modules
USER stockflow

EXPOSE 5000
# Asks /health/ready on whatever address BIND names (a container started with another port too).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "deploy/healthcheck.py"]

CMD ["gunicorn", "wsgi:app"]
