"""End-to-end stories against a real gunicorn server on a freshly migrated MySQL database."""
