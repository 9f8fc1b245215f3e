"""NGAP / COx tables valid by date, and the CCAM file readers (pure)."""
