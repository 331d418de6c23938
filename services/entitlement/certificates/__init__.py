"""E-certificate summary (电子献血证): counts, volumes, honours, remaining quotas."""
