"""服务网点: blood stations and reimbursement offices, served to the client from a data file."""
