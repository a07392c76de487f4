"""HTTP endpoints of community/announcements (being built)."""
from core.api import Blueprint

blp = Blueprint("announcements", __name__, url_prefix="/api", description="announcements")
