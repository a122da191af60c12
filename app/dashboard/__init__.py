"""The pages people open in a browser: the dashboard under /app/ and the Swagger UI at /docs."""
