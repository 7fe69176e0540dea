"""The judgement layer: rules over the deployment that evidence shows, and the models (flows,
topology, blast radius, threats) the checklist rests on. Pure: no database, no Docker."""
