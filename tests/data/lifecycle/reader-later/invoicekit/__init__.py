"""invoicekit: small invoices, standard library only."""

__version__ = "0.4.0"
