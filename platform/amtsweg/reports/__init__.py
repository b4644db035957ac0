"""OZG statistics and the council report: anonymised facts about cases, applications and the
services on offer, aggregated in SQL per town and period and across towns."""
