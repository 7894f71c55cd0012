"""Verification for anyone: POST a PDF, get its signatures and its register entry. No
token needed; rate-limited per address (VERIFY_RATE_LIMIT), size-limited
(SIGNING_VERIFY_MAX_MB)."""
from flask_smorest import Blueprint

from app.api.schemas import Error, VerificationOut, VerifyUpload
from app.extensions import limiter, verify_rate_limit
from app.services import verification
from app.services.documents import PDF

blp = Blueprint("verify", __name__, url_prefix="/api/v1",
                description="Verification of an electronic document, for anyone")


@blp.route("/verify", methods=["POST"])
@blp.arguments(VerifyUpload, location="multipart")
@blp.doc(requestBody={"content": {"multipart/form-data": {
    "encoding": {"file": {"contentType": PDF}}}}})
@blp.response(200, VerificationOut)
@blp.alt_response(422, schema=Error, description="not a PDF, a damaged PDF, a file over "
                  "SIGNING_VERIFY_MAX_MB, or one too slow to check (code: not_pdf, "
                  "damaged_pdf, too_large, too_slow)")
@blp.alt_response(429, schema=Error, description="too many verifications from this address; "
                  "see Retry-After")
@blp.doc(security=[], summary="Verify a PDF's digital signatures and whether it is exactly a "
                              "document of the register (no sign-in)")
@limiter.limit(verify_rate_limit)
def verify(form):
    return verification.verify(verification.read_upload(form["file"].stream))
