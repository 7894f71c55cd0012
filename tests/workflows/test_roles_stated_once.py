"""Role sets are stated once, in workflows/roles.py: the application names them by their
constants (BOARD, PROVINCE, UNIT_SCOPED...), never by a literal set of role names or a
membership test on one, which would drift the day a role is added or split."""
import ast
from pathlib import Path

from workflows.roles import ADMIN, PROVINCE, ROLES, UNIT_SCOPED

APP = Path(__file__).resolve().parents[2] / "app"


def _is_role(node):
    return isinstance(node, ast.Constant) and node.value in ROLES


def _role_sets(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Set, ast.Tuple, ast.List)) and node.elts \
                and all(_is_role(e) for e in node.elts):
            yield node.lineno, "a literal set of roles"
        elif isinstance(node, ast.Compare) and _is_role(node.left) \
                and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            yield node.lineno, f"a test for the role {node.left.value!r}"
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "has_role" \
                and any(_is_role(a) for a in node.args):
            yield node.lineno, "has_role with a role name"


def test_the_application_states_no_role_set_of_its_own():
    found = [f"{path.relative_to(APP.parent)}:{line}: {what}"
             for path in sorted(APP.rglob("*.py"))
             for line, what in _role_sets(ast.parse(path.read_text(), str(path)))]
    assert found == []


def test_every_role_is_unit_scoped_province_wide_or_the_administrators():
    assert PROVINCE | UNIT_SCOPED | ADMIN == set(ROLES)
    assert not PROVINCE & UNIT_SCOPED and not (PROVINCE | UNIT_SCOPED) & ADMIN
