import ReadAudit
