"""Cases: a citizen's application from submission to archiving, reference numbers, drafts."""
