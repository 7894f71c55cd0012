"""The processes of the system, as data: read these files as the specification.

- campaign.py: draft → launch → launched → close → closed
- submission.py: the front half shared by plans and dossiers
- plan.py, dossier.py, decision.py: each kind's own steps
- guards.py: the rules, each returning the reason it fails
"""
from workflows.campaign import CAMPAIGN
from workflows.decision import DECISION
from workflows.dossier import DOSSIER, appraisal_checklist
from workflows.engine import Flow, Process, Step, StepRefused

from workflows.plan import PLAN

PROCESSES: dict[str, Process] = {p.name: p for p in (CAMPAIGN, PLAN, DOSSIER, DECISION)}


def get_process(name: str) -> Process:
    return PROCESSES[name]


__all__ = ["CAMPAIGN", "DECISION", "DOSSIER", "PLAN", "PROCESSES", "Flow", "Process", "Step",
           "StepRefused", "appraisal_checklist", "get_process"]
