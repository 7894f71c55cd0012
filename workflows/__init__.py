"""The processes of the system, as data: read these files as the specification.

- campaign.py, plan.py, dossier.py, decision.py: one kind each, with its states, steps
  (roles, guards, confirmations, effects, documents kept and attached, audiences),
  edits between steps and documents
- registration.py: a unit's registration (đăng ký thi đua) for a regular-emulation year
  (a campaign of kind "regular": the campaign's process, with guards.year_is_ready)
- submission.py: the front half shared by plans and dossiers
- roles.py: the roles, defined once
- guards.py: the rules, each returning the reason it fails; facts.py: what they read
- engine.py: Step, Edit and Process on one shared transitions.Machine per kind

`flask workflow describe KIND` prints a whole definition; `flask workflow diagram KIND`
draws it.
"""
from workflows.campaign import CAMPAIGN
from workflows.decision import DECISION
from workflows.dossier import DOSSIER, appraisal_checklist
from workflows.engine import Edit, Flow, Process, Step, StepRefused
from workflows.plan import PLAN
from workflows.registration import REGISTRATION

PROCESSES: dict[str, Process] = {p.name: p for p in (CAMPAIGN, PLAN, DOSSIER, DECISION,
                                                     REGISTRATION)}

__all__ = ["CAMPAIGN", "DECISION", "DOSSIER", "PLAN", "PROCESSES", "REGISTRATION", "Edit", "Flow", "Process",
           "Step", "StepRefused", "appraisal_checklist"]
