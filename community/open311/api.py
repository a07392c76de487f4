"""Open311 GeoReport v2 endpoints (a plain Flask blueprint: JSON and XML, the spec's own errors)."""
from flask import Blueprint

blp = Blueprint("open311", __name__, url_prefix="/open311/v2")
