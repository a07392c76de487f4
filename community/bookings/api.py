"""HTTP endpoints of community/bookings (being built)."""
from core.api import Blueprint

blp = Blueprint("bookings", __name__, url_prefix="/api", description="bookings")
