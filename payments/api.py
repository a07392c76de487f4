"""HTTP endpoints of payments (being built)."""
from core.api import Blueprint

blp = Blueprint("payments", __name__, url_prefix="/api/payments", description="Payments")
