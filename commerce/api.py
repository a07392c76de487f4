"""HTTP endpoints of commerce (being built)."""
from core.web import Blueprint

blp = Blueprint("commerce", __name__, url_prefix="/api", description="Community commerce")
