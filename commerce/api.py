"""HTTP endpoints of commerce (being built)."""
from core.api import Blueprint

blp = Blueprint("commerce", __name__, url_prefix="/api", description="Community commerce")
