"""The Platsa API (FastAPI): ``serving.app.create_app`` builds it; ``platsa serve`` runs it."""
