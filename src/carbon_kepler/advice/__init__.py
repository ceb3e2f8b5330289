"""4. Recommendations with numbers (domain.md §7): temporal shift, rightsizing, regions, impact."""
