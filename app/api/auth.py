from flask import g
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.schemas import Error, Me, TokenRequest, TokenResponse
from app.extensions import limiter, login_rate_limit
from app.services import auth

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Sign-in and tokens")


@blp.route("/auth/token", methods=["POST"])
@blp.arguments(TokenRequest)
@blp.response(201, TokenResponse)
@blp.alt_response(401, schema=Error, description="wrong username or password")
@blp.alt_response(429, schema=Error, description="too many attempts from this address or for this account; "
                  "see Retry-After")
@blp.doc(security=[], summary="Exchange a username and password for a bearer token")
@limiter.limit(login_rate_limit)
def create_token(data):
    token, row = auth.issue_token(data["username"], data["password"])
    return {"token": token, "token_type": "Bearer", "expires_at": row.expires_at}


@blp.route("/auth/token", methods=["DELETE"])
@blp.response(204)
@blp.doc(summary="Revoke the bearer token of this request")
def revoke_token():
    token = g.get("bearer")
    if token:
        auth.revoke_token(token)


@blp.route("/me")
@blp.response(200, Me)
@blp.doc(summary="The signed-in user, with roles and unit")
def me():
    return current_user
