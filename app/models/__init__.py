"""Every table, importable from one place (Alembic reads the metadata through here)."""
from app.models.audit import (
    AuditAnchor,
    AuditAnchorLeaf,
    ExchangeReceipt,
    NumberRegister,
    OutboxMessage,
    RegisterChange,
    RegisterEntry,
    ReminderLog,
    WorkflowEvent,
)
from app.models.award import AWARD_SOURCES, AwardRecord, AwardTally
from app.models.campaign import (
    CAMPAIGN_KINDS,
    LAUNCH_TYPES,
    Campaign,
    CampaignAwardForm,
    CampaignContent,
    CampaignParticipant,
    CampaignTarget,
    CampaignTargetKind,
    CampaignTargetUnit,
)
from app.models.cluster import (
    CLUSTER_KINDS,
    SHEET_STATES,
    Cluster,
    ClusterCriterion,
    ClusterMember,
    ClusterScore,
    ClusterVote,
    ClusterYear,
    FlagAward,
    PactSignature,
    ScoreSheet,
)
from app.models.decision import Decision, DecisionQueue
from app.models.distribution import DecisionRecipient, DistributionEntry, DistributionList
from app.models.document import PaperSignature, StoredDocument, VerificationLink
from app.models.eligibility import (
    CHANGE_ACTIONS,
    CHANGE_ITEMS,
    GROUNDS,
    HOLD_KINDS,
    RATINGS,
    SCOPES,
    SEVERITIES,
    EligibilityRule,
    Hold,
    Initiative,
    InitiativeAuthor,
    ResultChange,
    UnitDecision,
    YearRating,
)
from app.models.incoming import IncomingPackage
from app.models.org import UNIT_KINDS, ApiToken, Unit, User, UserRole
from app.models.reference import (
    AttachmentRequirement,
    AwardForm,
    DocumentType,
    LegalBasis,
    ReferenceChange,
    RuleValue,
)
from app.models.registration import Registration, RegistrationEntry
from app.models.signing import BACKENDS, HOLDERS, SigningIdentity
from app.models.submission import (
    NOMINEE_KINDS,
    VERDICTS,
    Attachment,
    Dossier,
    DossierResult,
    Nominee,
    Plan,
    PlanCommitment,
    PlanExemption,
    PlanSection,
)

__all__ = [
    "GROUNDS", "HOLD_KINDS", "RATINGS", "SCOPES", "SEVERITIES", "EligibilityRule", "Hold",
    "Initiative", "InitiativeAuthor", "YearRating", "UnitDecision", "ResultChange",
    "CHANGE_ITEMS", "CHANGE_ACTIONS",
    "AWARD_SOURCES", "ApiToken", "Attachment", "AttachmentRequirement", "AuditAnchor",
    "AuditAnchorLeaf", "AwardForm",
    "AwardRecord", "AwardTally", "CAMPAIGN_KINDS", "Campaign",
    "CampaignAwardForm", "CampaignContent", "CampaignParticipant", "CampaignTarget",
    "CampaignTargetKind", "CampaignTargetUnit",
    "Decision", "DecisionQueue", "DecisionRecipient", "DistributionEntry", "DistributionList",
    "IncomingPackage",
    "DocumentType", "ExchangeReceipt",
    "StoredDocument", "VerificationLink",
    "Dossier", "DossierResult", "LAUNCH_TYPES", "LegalBasis", "NOMINEE_KINDS",
    "Nominee", "NumberRegister", "OutboxMessage", "PaperSignature", "Plan", "PlanCommitment",
    "PlanExemption", "PlanSection", "ReferenceChange", "Registration", "RegistrationEntry",
    "RegisterChange", "RegisterEntry",
    "ReminderLog", "RuleValue", "BACKENDS", "HOLDERS", "SigningIdentity",
    "UNIT_KINDS", "Unit", "User", "UserRole",
    "VERDICTS", "WorkflowEvent",
    "CLUSTER_KINDS", "SHEET_STATES", "Cluster", "ClusterCriterion", "ClusterMember",
    "ClusterScore", "ClusterVote", "ClusterYear", "FlagAward", "PactSignature", "ScoreSheet",
]
