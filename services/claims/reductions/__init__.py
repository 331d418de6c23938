"""Direct reduction at discharge (医疗机构直免): reduction notices, settlement, monthly statements."""
