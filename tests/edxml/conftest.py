# The signing tests' demo CA (the Phó Chủ tịch and the Ủy ban's seal) and its trust.
from tests.signing.conftest import demo, trusted  # noqa: F401
