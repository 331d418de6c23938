"""The console's dashboard figures, from one route: review on time, working days to decision,
direct-reduction rate, payment within 10 working days, claims by channel, overdue now."""
