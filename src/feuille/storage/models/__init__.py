"""All tables. Each module owns the tables of one area; importing this package registers them all."""

from feuille.storage.base import Base
from feuille.storage.models.ccam import CcamActRow, CcamKeywordRow, CcamModifierRow, CcamPriceRow, CcamVersion
from feuille.storage.models.certificates import CardCertificate
from feuille.storage.models.core import AuditEntry, AuditHead, User
from feuille.storage.models.dre import AmcConvention
from feuille.storage.models.invoices import (
    Invoice,
    InvoiceAttachment,
    InvoiceLine,
    InvoiceNumberCounter,
    InvoicePayment,
    InvoicePreparation,
    InvoiceSignature,
)
from feuille.storage.models.lots import (
    B2FileCounter,
    B2FileRow,
    Lot,
    LotCounter,
    LotEventRow,
    LotInvoice,
    TransmissionRelease,
)
from feuille.storage.models.offline import OfflineRecord
from feuille.storage.models.organisms import AmcOrganism, AmoOrganism
from feuille.storage.models.patients import AmcContract, Patient, PatientPeriod, WorkAccident
from feuille.storage.models.portable import PortableLoad
from feuille.storage.models.professionals import (
    Favourite,
    FavouriteActRow,
    Prescriber,
    Professional,
    ProfessionalPreferences,
    ReplacementDay,
    ReplacementLink,
)
from feuille.storage.models.returns import (
    FinancialMovement,
    NoemieFileChunk,
    NoemieFileRow,
    OneOffPaymentRow,
    RejectHandling,
    ReturnAct,
    ReturnInvoice,
    ReturnReject,
    TransferRow,
)
from feuille.storage.models.rights import PracticeSetting, RightsLookup
from feuille.storage.models.scor import ScorLot, ScorPiece
from feuille.storage.models.sending import LotMail, ReceivedMail
from feuille.storage.models.signatures import ProfessionalSignature
from feuille.storage.models.web import RequestKey, SignInAttempt, WebSession

__all__ = ["AuditEntry", "AuditHead", "Base", "User"]
__all__ += ["Favourite", "FavouriteActRow", "Prescriber", "Professional", "ProfessionalPreferences",
            "ReplacementDay", "ReplacementLink"]
__all__ += ["CcamActRow", "CcamKeywordRow", "CcamModifierRow", "CcamPriceRow", "CcamVersion"]
__all__ += ["AmcContract", "AmcOrganism", "AmoOrganism", "Patient", "PatientPeriod", "WorkAccident"]
__all__ += ["Invoice", "InvoiceAttachment", "InvoiceNumberCounter", "InvoicePayment", "InvoiceSignature"]
__all__ += ["OfflineRecord", "PortableLoad"]
__all__ += ["ProfessionalSignature"]
__all__ += ["CardCertificate", "InvoiceLine", "InvoicePreparation"]
__all__ += ["PracticeSetting", "RightsLookup"]
__all__ += ["AmcConvention"]
__all__ += ["LotMail", "ReceivedMail"]
__all__ += ["B2FileCounter", "B2FileRow", "Lot", "LotCounter", "LotEventRow", "LotInvoice", "TransmissionRelease"]
__all__ += ["ScorLot", "ScorPiece"]
__all__ += ["FinancialMovement", "NoemieFileChunk", "NoemieFileRow", "OneOffPaymentRow", "RejectHandling", "ReturnAct",
            "ReturnInvoice", "ReturnReject", "TransferRow"]
__all__ += ["RequestKey", "SignInAttempt", "WebSession"]
