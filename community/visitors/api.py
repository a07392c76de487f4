"""HTTP endpoints of community/visitors (being built)."""
from core.api import Blueprint

blp = Blueprint("visitors", __name__, url_prefix="/api", description="visitors")
