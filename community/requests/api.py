"""HTTP endpoints of community/requests (being built)."""
from core.api import Blueprint

blp = Blueprint("requests", __name__, url_prefix="/api", description="requests")
