"""HTTP endpoints of community/parcels (being built)."""
from core.api import Blueprint

blp = Blueprint("parcels", __name__, url_prefix="/api", description="parcels")
