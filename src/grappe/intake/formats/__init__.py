"""Low-level readers behind `grappe.intake.reading`: format sniffing, text decoding, CSV and spreadsheets."""
