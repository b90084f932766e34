"""The words of the accountability report, in Spanish and English (codes stay in the data)."""

LANGUAGES = ("es", "en")

WORDS = {
    "es": {
        "title": "Informe de rendición de cuentas",
        "subtitle": "Cómo decidió el grupo y cómo se repartió el poder",
        "period": "Periodo", "positions": "Posiciones del registro", "generated": "Generado",
        "to": "a", "as_of_note": "El informe cubre el registro hasta la posición {position}.",
        "summary": "Resumen", "members": "Personas con voto", "decided": "Decisiones cerradas",
        "open_proposals": "Propuestas abiertas", "level": "Nivel de coproducción",
        "decisions": "Decisiones",
        "decisions_intro": "Cada propuesta cerrada o retirada en el periodo, con la regla que "
                           "se aplicó, el recuento y el resultado.",
        "proposal": "Propuesta", "scope": "Ámbito", "rule": "Regla", "votes": "Votos",
        "turnout": "Participación", "outcome": "Resultado", "tabled": "Presentada",
        "ended": "Cerrada", "no_decisions": "No se cerró ninguna propuesta en el periodo.",
        "still_open": "Siguen abiertas: {titles}.",
        "tally": {"for": "a favor", "against": "en contra", "abstain": "abst.",
                  "block": "bloqueo"},
        "power": "Equilibrio de poder",
        "power_intro": "Para cada categoría, la parte del grupo que es (membresía) frente a su "
                       "influencia: la media de agenda, éxito, rol y votos decisivos. El índice de "
                       "equilibrio vale 1 cuando la influencia corresponde a la presencia.",
        "balance_categories": "Índice de equilibrio entre categorías",
        "balance_sides": "Índice de equilibrio entre lados",
        "membership": "Membresía", "influence": "Influencia", "category": "Categoría",
        "side": "Lado", "chart_categories": "Membresía e influencia por categoría",
        "chart_categories_desc": "Dos barras por categoría: su parte de las personas con voto "
                                 "y su parte de la influencia.",
        "chart_sides": "Membresía e influencia por lado",
        "chart_sides_desc": "Dos barras por lado: experiencia vivida y proveedores.",
        "trend": "Evolución tras cada decisión",
        "trend_desc": "El índice de equilibrio (entre categorías y entre lados) después de cada "
                      "decisión cerrada.",
        "trend_sides": "Influencia de cada lado tras cada decisión",
        "trend_sides_desc": "La parte de la influencia de cada lado después de cada decisión "
                            "cerrada.",
        "decision_n": "Decisión", "index_categories": "Índice (categorías)",
        "index_sides": "Índice (lados)", "no_trend": "Aún no hay decisiones cerradas.",
        "undefined": "sin definir",
        "principles": "Evidencia de los seis principios y la mirada del grupo",
        "principles_intro": "A la izquierda, la evidencia que sale del registro según reglas "
                            "publicadas; a la derecha, lo que dicen las autoevaluaciones de los "
                            "miembros (1 a 5).",
        "principle": "Principio", "evidence": "Evidencia", "reflections": "Autoevaluación",
        "items": "{count} elementos", "latest": "Últimos",
        "mean_of": "media {mean} de {count} personas (dispersión {spread})",
        "no_reflections": "nadie puntuó todavía", "comments": "Lo que escribió el grupo",
        "no_comments": "No hay comentarios en las autoevaluaciones del periodo.",
        "peer_network": "Red de apoyo entre iguales",
        "level_reasons": "Nivel y sus razones",
        "level_intro": "El nivel se evalúa con condiciones con nombre; aquí están todas, con el "
                       "valor usado y si se cumple.",
        "condition": "Condición", "value": "Valor", "met": "Se cumple", "yes": "sí", "no": "no",
        "for_level": "Para {level}",
        "checkpoint": "El registro que cubre este informe",
        "checkpoint_intro": "Este punto de control firmado fija el registro completo hasta su "
                            "tamaño. Guárdelo: con él se puede comprobar, sin confiar en el "
                            "servidor, que el registro de cualquier día posterior lo contiene "
                            "sin cambios.",
        "no_checkpoint": "Ningún punto de control firmado cubre todavía este informe: pida "
                         "uno a quien opera el servidor (reciproca checkpoint).",
        "size": "Eventos cubiertos", "root": "Raíz (SHA-256)", "signed_at": "Firmado",
        "key": "Clave pública (Ed25519)",
        "how_to_verify": "Cómo comprobarlo",
        "verify_steps": [
            "Obtenga la clave pública por un canal de confianza y compare su identificador.",
            "Compruebe la firma del punto de control (el texto firmado son cuatro líneas: "
            "formato, tamaño, raíz y hora).",
            "Pida al servidor una prueba de consistencia desde este tamaño hasta hoy y "
            "compruébela según el RFC 9162; si pasa, el registro de hoy extiende este sin "
            "cambios.",
            "El procedimiento completo, con un programa de pocas líneas, está en "
            "docs/audit.md.",
        ],
        "document": "Documento del punto de control (JSON)",
        "redacted": "[redactado]",
        "footer": "Generado por Reciproca a partir del registro inmutable del grupo. Las "
                  "fracciones son exactas; los porcentajes, redondeados.",
    },
    "en": {
        "title": "Accountability report",
        "subtitle": "How the group decided and how power was shared",
        "period": "Period", "positions": "Record positions", "generated": "Generated",
        "to": "to", "as_of_note": "The report covers the record up to position {position}.",
        "summary": "Summary", "members": "Voting members", "decided": "Closed decisions",
        "open_proposals": "Open proposals", "level": "Co-production level",
        "decisions": "Decisions",
        "decisions_intro": "Every proposal closed or withdrawn in the period, with the rule "
                           "applied, the tally and the outcome.",
        "proposal": "Proposal", "scope": "Scope", "rule": "Rule", "votes": "Votes",
        "turnout": "Turnout", "outcome": "Outcome", "tabled": "Tabled", "ended": "Closed",
        "no_decisions": "No proposal was closed in the period.",
        "still_open": "Still open: {titles}.",
        "tally": {"for": "for", "against": "against", "abstain": "abstained",
                  "block": "blocked"},
        "power": "Power balance",
        "power_intro": "For each category, how much of the group it is (membership) against its "
                       "influence: the mean of agenda, success, role and pivotal shares. The "
                       "balance index is 1 when influence matches presence.",
        "balance_categories": "Balance index between categories",
        "balance_sides": "Balance index between sides",
        "membership": "Membership", "influence": "Influence", "category": "Category",
        "side": "Side", "chart_categories": "Membership and influence by category",
        "chart_categories_desc": "Two bars per category: its share of the voting members and "
                                 "its share of influence.",
        "chart_sides": "Membership and influence by side",
        "chart_sides_desc": "Two bars per side: lived experience and providers.",
        "trend": "Trend after each decision",
        "trend_desc": "The balance index (between categories and between sides) after each "
                      "closed decision.",
        "trend_sides": "Each side's influence after each decision",
        "trend_sides_desc": "Each side's share of influence after each closed decision.",
        "decision_n": "Decision", "index_categories": "Index (categories)",
        "index_sides": "Index (sides)", "no_trend": "No decision has been closed yet.",
        "undefined": "undefined",
        "principles": "Evidence for the six principles, and the group's own view",
        "principles_intro": "On the left, the evidence the record gives by published rules; on "
                            "the right, what the members' self-assessments (1 to 5) say.",
        "principle": "Principle", "evidence": "Evidence", "reflections": "Self-assessment",
        "items": "{count} items", "latest": "Latest",
        "mean_of": "mean {mean} from {count} people (spread {spread})",
        "no_reflections": "nobody has scored it yet", "comments": "What the group wrote",
        "no_comments": "No self-assessment comments in the period.",
        "peer_network": "Peer support network",
        "level_reasons": "Level and its reasons",
        "level_intro": "The level is assessed by named conditions; all are here, with the value "
                       "used and whether it is met.",
        "condition": "Condition", "value": "Value", "met": "Met", "yes": "yes", "no": "no",
        "for_level": "For {level}",
        "checkpoint": "The record this report covers",
        "checkpoint_intro": "This signed checkpoint fixes the whole record up to its size. Keep "
                            "it: with it anyone can check, without trusting the server, that the "
                            "record of any later day contains it unchanged.",
        "no_checkpoint": "No signed checkpoint covers this report yet: ask the operator for one "
                         "(reciproca checkpoint).",
        "size": "Events covered", "root": "Root (SHA-256)", "signed_at": "Signed",
        "key": "Public key (Ed25519)",
        "how_to_verify": "How to check it",
        "verify_steps": [
            "Get the public key through a channel you trust and compare its id.",
            "Check the checkpoint's signature (the signed text is four lines: format, size, "
            "root and time).",
            "Ask the server for a consistency proof from this size to today and check it as RFC "
            "9162 says; if it passes, today's record extends this one unchanged.",
            "The whole procedure, with a short program, is in docs/audit.md.",
        ],
        "document": "Checkpoint document (JSON)",
        "redacted": "[redacted]",
        "footer": "Generated by Reciproca from the group's immutable record. Fractions are "
                  "exact; percentages are rounded.",
    },
}

CODES = {
    "es": {
        "service_user": "Personas usuarias", "carer": "Familiares", "community": "Vecindario",
        "professional": "Profesionales", "manager": "Dirección",
        "lived_experience": "Experiencia vivida", "provider": "Proveedores",
        "delivery": "prestación", "design": "diseño", "governance": "gobierno",
        "recruitment_training": "selección y formación", "risk": "riesgos",
        "majority": "mayoría", "supermajority": "mayoría cualificada", "consensus": "consenso",
        "consent": "consentimiento", "quorum": "quórum", "threshold": "umbral",
        "carried": "aprobada", "rejected": "rechazada", "no_quorum": "sin quórum",
        "blocked": "bloqueada", "withdrawn": "retirada",
        "asset_based": "Enfoque basado en activos", "capabilities": "Aprovechar capacidades",
        "reciprocity": "Reciprocidad", "peer_support": "Redes de apoyo entre iguales",
        "blurring_distinctions": "Borrar las distinciones",
        "facilitating": "Facilitar en lugar de suministrar",
        "insufficient_data": "datos insuficientes", "compliance": "cumplimiento",
        "support": "soporte", "transformation": "transformación", "data": "datos suficientes",
        "asset_offered": "activo ofrecido", "asset_drawn_on": "activo aprovechado",
        "first_role": "primer rol", "training_decision": "decisión de formación",
        "support_across_sides": "apoyo entre lados",
        "lived_experience_task": "tarea de experiencia vivida",
        "lived_experience_leads": "experiencia vivida lidera",
        "carried_across_sides": "aprobada por ambos lados",
        "provider_facilitates": "profesional facilita",
        "lived_experience_carried": "propuesta de experiencia vivida aprobada",
        "voting_members": "personas con voto", "closed_decisions": "decisiones cerradas",
        "lived_experience_proposals_carried": "propuestas de experiencia vivida aprobadas",
        "lived_experience_roles": "roles ocupados por experiencia vivida",
        "lived_experience_training_decisions": "decisiones de formación de experiencia vivida",
        "lived_experience_governance_carried": "propuestas de gobierno de experiencia vivida "
                                               "aprobadas",
        "balance_index_sides": "índice de equilibrio entre lados",
        "evidence_for_every_principle": "principios sin evidencia",
        "shared_responsibilities": "responsabilidades compartidas",
        "lived_experience_tasks": "tareas de experiencia vivida",
        "lived_experience_training_or_risk_carried": "propuestas de formación o riesgos de "
                                                     "experiencia vivida aprobadas",
        "service_user_expert": "activos de personas usuarias aprovechados",
        "risks_managed_together": "riesgos gestionados juntos",
        "chair": "presidencia", "facilitator": "facilitación", "note_taker": "secretaría",
    },
    "en": {
        "service_user": "Service users", "carer": "Carers", "community": "Community",
        "professional": "Professionals", "manager": "Managers",
        "lived_experience": "Lived experience", "provider": "Providers",
        "delivery": "delivery", "design": "design", "governance": "governance",
        "recruitment_training": "recruitment and training", "risk": "risk",
        "majority": "majority", "supermajority": "supermajority", "consensus": "consensus",
        "consent": "consent", "quorum": "quorum", "threshold": "threshold",
        "carried": "carried", "rejected": "rejected", "no_quorum": "no quorum",
        "blocked": "blocked", "withdrawn": "withdrawn",
        "asset_based": "Asset-based approach", "capabilities": "Building on capabilities",
        "reciprocity": "Reciprocity", "peer_support": "Peer support networks",
        "blurring_distinctions": "Blurring distinctions",
        "facilitating": "Facilitating rather than delivering",
        "insufficient_data": "insufficient data", "compliance": "compliance",
        "support": "support", "transformation": "transformation", "data": "enough data",
        "asset_offered": "asset offered", "asset_drawn_on": "asset drawn on",
        "first_role": "first role", "training_decision": "training decision",
        "support_across_sides": "support across sides",
        "lived_experience_task": "lived-experience task",
        "lived_experience_leads": "lived experience leads",
        "carried_across_sides": "carried across sides",
        "provider_facilitates": "provider facilitates",
        "lived_experience_carried": "lived-experience proposal carried",
        "voting_members": "voting members", "closed_decisions": "closed decisions",
        "lived_experience_proposals_carried": "lived-experience proposals carried",
        "lived_experience_roles": "roles held by lived experience",
        "lived_experience_training_decisions": "lived-experience training decisions",
        "lived_experience_governance_carried": "lived-experience governance proposals carried",
        "balance_index_sides": "balance index between sides",
        "evidence_for_every_principle": "principles without evidence",
        "shared_responsibilities": "shared responsibilities",
        "lived_experience_tasks": "lived-experience tasks",
        "lived_experience_training_or_risk_carried": "lived-experience training or risk "
                                                     "proposals carried",
        "service_user_expert": "service users' assets drawn on",
        "risks_managed_together": "risks managed together",
        "chair": "chair", "facilitator": "facilitator", "note_taker": "note-taker",
    },
}
