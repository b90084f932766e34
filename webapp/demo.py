"""The demo: three months in the life of a Spanish mesa de coproducción.

A community mental-health centre's co-production table: people who use the service, families,
neighbours, staff and management decide opening hours, a peer-support group, staff training with
experts by experience, a crisis-plan protocol and who sits on a recruitment panel; a service user
becomes co-chair by the group's decision and the group moves to deciding by consent. Everything
goes through the application's commands, on a clock that the story moves forward.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from uuid import uuid4

from domain.application import Reciproca
from domain.vocabulary import PRINCIPLES

STARTS_DAYS_AGO = 95
MORNING, EVENING = "07:30", "21:00"  # UTC: members act online in Spain's daytime

GROUP_NAME = "Mesa de coproducción del Centro de Salud Mental Comunitaria de El Cabanyal"
GROUP_PURPOSE = (
    "Decidir juntas y juntos —personas usuarias, familias, vecindario, profesionales y "
    "dirección— cómo se diseña, se presta y se evalúa el servicio: horarios, apoyo mutuo, "
    "formación del personal, selección de profesionales y gestión de riesgos."
)

# key: (display name, category). The first founds the group; Daniel joins in week four.
PEOPLE = {
    "elena": ("Elena Martín Ruiz", "manager"),  # coordinadora del centro
    "pablo": ("Pablo Navarro Castillo", "professional"),  # enfermero especialista
    "marta": ("Marta Sánchez Prieto", "professional"),  # psicóloga clínica
    "alberto": ("Alberto Herrera Campos", "professional"),  # psiquiatra
    "javier": ("Javier Ortega Salas", "service_user"),
    "lucia": ("Lucía Fernández Gil", "service_user"),
    "amparo": ("Amparo Jiménez Soler", "carer"),  # madre de un usuario
    "vicent": ("Vicent Morales Vega", "carer"),  # hermano de una usuaria
    "carmen": ("Carmen Delgado Ibáñez", "community"),  # asociación vecinal
    "samir": ("Samir El Idrissi", "community"),  # mediador intercultural
    "ines": ("Inés Vidal Romero", "manager"),  # técnica de la Conselleria: observa
    "daniel": ("Daniel Rey Ocaña", "service_user"),
}
FOUNDER, OBSERVER, LATECOMER = "elena", "ines", "daniel"

MAJORITY = {"rule": "majority", "quorum": "1/2"}  # the group's rule at first
CONSENT_QUORUM_3_5 = {"rule": "consent", "quorum": "3/5"}  # the group's rule from day 56
CONSENT = {"rule": "consent", "quorum": "1/2"}
SUPERMAJORITY = {"rule": "supermajority", "threshold": "2/3", "quorum": "1/2"}
SUPERMAJORITY_QUORUM_2_3 = {"rule": "supermajority", "threshold": "2/3", "quorum": "2/3"}
CONSENSUS_QUORUM_2_3 = {"rule": "consensus", "quorum": "2/3"}
MAJORITY_QUORUM_3_5 = {"rule": "majority", "quorum": "3/5"}

ASSETS = {
    "first_session": [
        ("javier", "Diez años usando el centro, dos ingresos y muchas horas en la sala de "
                   "espera: sé qué ayuda y qué no cuando llega una crisis.",
         ["experiencia vivida", "crisis"]),
        ("lucia", "Coordino un grupo de apoyo mutuo desde hace tres años; puedo facilitar "
                  "sesiones entre iguales.", ["experiencia vivida", "apoyo mutuo", "facilitación"]),
        ("amparo", "Veinte años acompañando a mi hijo; conozco a muchas familias del barrio y "
                   "la asociación de familiares.", ["experiencia vivida", "familias", "redes"]),
        ("samir", "Hablo árabe y dariya y conozco a las asociaciones y comercios del barrio; "
                  "puedo traducir y difundir.", ["redes", "idiomas", "traducción"]),
        ("pablo", "Formación en facilitación de grupos y en planes de crisis; puedo dinamizar "
                  "las sesiones.", ["habilidades", "facilitación"]),
    ],
    "second_session": [
        ("marta", "Diseño de formación para equipos clínicos y acreditación de cursos.",
         ["habilidades", "formación"]),
        ("carmen", "Dos tardes al mes y la sala de la asociación vecinal para lo que haga "
                   "falta.", ["tiempo", "espacios", "redes"]),
        ("vicent", "Carpintero jubilado: puedo arreglar y adecuar salas.",
         ["tiempo", "habilidades", "oficios"]),
        ("elena", "Acceso a la gerencia y al presupuesto de formación continuada.",
         ["gestión", "redes"]),
    ],
}

# Each member's own view of the group, scored 1 to 5 on the six principles (in PRINCIPLES
# order), early on and at the end of the three months.
FIRST_REFLECTIONS = [
    ("javier", (3, 2, 2, 3, 1, 2), "Por fin nos preguntan, pero la mesa la preside la dirección "
                                   "y los profesionales hablan más que nosotros."),
    ("amparo", (3, 3, 2, 2, 2, 3), "Las familias estamos, pero todavía como invitadas."),
    ("pablo", (4, 3, 3, 2, 2, 3), "Nos cuesta no llegar a la reunión con las propuestas ya "
                                  "cerradas."),
    ("elena", (4, 3, 3, 3, 2, 3), "Buen arranque; el reto es que la presidencia no recaiga "
                                  "siempre en la coordinación."),
    ("samir", (3, 2, 3, 2, 2, 2), "El barrio todavía no sabe que existe esta mesa."),
]
LAST_REFLECTIONS = [
    ("javier", (5, 4, 4, 4, 4, 4), "Copresidir me ha cambiado la mirada: ahora también entiendo "
                                   "los límites del presupuesto. El plan de crisis es nuestro."),
    ("amparo", (4, 4, 4, 4, 3, 4), "El protocolo de crisis se rehízo con nosotras: eso es "
                                   "confianza."),
    ("pablo", (5, 4, 4, 4, 4, 5), "He aprendido a facilitar en lugar de proponer."),
    ("elena", (4, 4, 4, 4, 4, 4), "Perdimos la votación de las reuniones mensuales, y fue lo "
                                  "correcto."),
    ("samir", (4, 4, 4, 4, 3, 4), "La jornada de puertas abiertas se quedó sin quórum; la "
                                  "volveremos a presentar."),
    ("lucia", (5, 5, 4, 5, 4, 4), "El grupo de apoyo mutuo de los miércoles ya reúne a doce "
                                  "personas."),
    ("daniel", (4, 4, 4, 5, 3, 4), "Llegué sin saber qué hacer aquí; el apoyo de Javier y del "
                                   "grupo me ha dado un sitio."),
]


class StoryClock:
    """The demo's clock: it starts about three months ago, at 10:00 UTC, and moves only
    forward, when the story moves it."""

    def __init__(self) -> None:
        today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        self.day_zero = today - timedelta(days=STARTS_DAYS_AGO)
        self.now = self.day_zero + timedelta(hours=10)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
        return self._move(self.now + timedelta(days=days, hours=hours, minutes=minutes))

    def to(self, day: int, time: str) -> datetime:
        """Move to `time` ("HH:MM", UTC) on day `day` of the story (day 0 is the first)."""
        hours, minutes = (int(part) for part in time.split(":"))
        return self._move(self.day_zero + timedelta(days=day, hours=hours, minutes=minutes))

    def _move(self, moment: datetime) -> datetime:
        if moment < self.now:
            raise ValueError("the story's clock never goes back")
        self.now = moment
        return moment

    @property
    def day(self) -> int:
        return (self.now - self.day_zero).days


@dataclass(frozen=True)
class Story:
    """What was loaded: the group, its people (display name -> person id) and some counts."""

    group_id: str
    people: dict[str, str]
    members: frozenset[str]  # the people still members when the story ends
    outcomes: dict[str, int]
    votes: int
    contributions: int
    days: int

    def summary(self) -> str:
        outcomes = " ".join(f"{outcome}={n}" for outcome, n in sorted(self.outcomes.items()))
        return (f"members={len(self.members)} proposals={sum(self.outcomes.values())} ({outcomes}) "
                f"votes={self.votes} contributions={self.contributions} days={self.days}")


class _Script:
    """The story's commands. People and proposals are named by short keys; at a meeting the
    commands follow each other a few minutes apart, online votes come hours apart."""

    STEP_MINUTES = 3

    def __init__(self, app: Reciproca, clock: StoryClock):
        self.app, self.clock = app, clock
        self.ids = {key: str(uuid4()) for key in PEOPLE}
        self.proposals: dict[str, str] = {}
        self.group_id = ""
        self.outcomes: Counter[str] = Counter()
        self.votes = self.contributions = 0

    def at(self, day: int, time: str) -> None:
        self.clock.to(day, time)

    def _done(self, recorded):
        self.clock.advance(minutes=self.STEP_MINUTES)
        return recorded

    def _later(self, hours: float) -> None:
        """Some hours later; what happens online waits for the daytime (Spain, in UTC)."""
        time = self.clock.advance(hours=hours).strftime("%H:%M")
        if time >= EVENING:
            self.clock.to(self.clock.day + 1, MORNING)
        elif time < MORNING:
            self.clock.to(self.clock.day, MORNING)

    # The group ---------------------------------------------------------------------------

    def found(self, key: str, rule: dict) -> None:
        name, category = PEOPLE[key]
        self.group_id = self._done(self.app.found_group(
            actor=self.ids[key], name=GROUP_NAME, purpose=GROUP_PURPOSE, category=category,
            founder_name=name, decision_rule=rule)).id

    def admit(self, by: str, key: str, role: str = "member") -> None:
        name, category = PEOPLE[key]
        self._done(self.app.admit_member(self.group_id, actor=self.ids[by],
                                         member_id=self.ids[key], display_name=name,
                                         category=category, role=role))

    def role(self, by: str, key: str, role: str) -> None:
        self._done(self.app.change_role(self.group_id, actor=self.ids[by],
                                        member_id=self.ids[key], role=role, action="assign"))

    def category(self, key: str, category: str) -> None:
        self._done(self.app.change_category(self.group_id, actor=self.ids[key],
                                            member_id=self.ids[key], category=category))

    def leave(self, key: str) -> None:
        self._done(self.app.leave_group(self.group_id, actor=self.ids[key],
                                        member_id=self.ids[key]))

    # Proposals ---------------------------------------------------------------------------

    def table(self, key: str, by: str, title: str, body: str, scope: str,
              rule: dict | None = None, *, kind: str = "ordinary",
              change: dict | None = None) -> None:
        self.proposals[key] = self._done(self.app.table_proposal(
            self.group_id, actor=self.ids[by], title=title, body=body, scope=scope, kind=kind,
            rule=rule, change=change)).id

    def propose_chair(self, key: str, by: str, member: str, title: str, body: str,
                      rule: dict) -> None:
        self.table(key, by, title, body, "governance", rule, kind="role_change",
                   change={"member_id": self.ids[member], "role": "chair", "action": "assign"})

    def amend(self, key: str, by: str, title: str, body: str) -> None:
        self._done(self.app.amend_proposal(self.proposals[key], actor=self.ids[by], title=title,
                                           body=body))

    def vote(self, key: str, voter: str, position: str, reason: str | None = None, *,
             recorded_by: str | None = None) -> None:
        """A vote; `recorded_by` is the note-taker when it was given in person."""
        self._done(self.app.cast_vote(self.proposals[key], actor=self.ids[recorded_by or voter],
                                      position=position, reason=reason, voter=self.ids[voter]))
        self.votes += 1

    def online(self, key: str, ballots: list[tuple], hours_apart: float = 5) -> None:
        """Votes cast from home over the following days: (voter, position[, reason])."""
        for ballot in ballots:
            self._later(hours_apart)
            self.vote(key, *ballot)

    def close(self, key: str, by: str) -> None:
        recorded = self._done(self.app.close_proposal(self.proposals[key], actor=self.ids[by]))
        self.outcomes[recorded.decision["outcome"]] += 1

    def withdraw(self, key: str, by: str) -> None:
        self._done(self.app.withdraw_proposal(self.proposals[key], actor=self.ids[by]))
        self.outcomes["withdrawn"] += 1

    # Contributions -----------------------------------------------------------------------

    def assets(self, offers: list[tuple]) -> None:
        for by, description, tags in offers:
            self._contributed(self.app.offer_asset(self.group_id, actor=self.ids[by],
                                                   description=description, tags=tags))

    def support(self, by: str, to: str, description: str) -> None:
        self._contributed(self.app.give_support(self.group_id, actor=self.ids[by],
                                                to_member_id=self.ids[to],
                                                description=description))

    def task(self, by: str, description: str) -> None:
        self._contributed(self.app.take_on_task(self.group_id, actor=self.ids[by],
                                                description=description))

    def reflections(self, reflections: list[tuple], hours_apart: float) -> None:
        for by, scores, comment in reflections:
            self._later(hours_apart)
            self._contributed(self.app.reflect(self.group_id, actor=self.ids[by],
                                               scores=dict(zip(PRINCIPLES, scores)),
                                               comment=comment))

    def _contributed(self, recorded) -> None:
        self._done(recorded)
        self.contributions += 1


def load_demo(app: Reciproca, clock: StoryClock) -> Story:
    """Play the story through `app`, which must have been opened with `clock=clock`."""
    s = _Script(app, clock)
    for chapter in (_founding, _first_month, _second_month, _third_month):
        chapter(s)
    return Story(
        group_id=s.group_id,
        people={PEOPLE[key][0]: person for key, person in s.ids.items()},
        members=frozenset(app.group(s.group_id).members),
        outcomes=dict(s.outcomes),
        votes=s.votes,
        contributions=s.contributions,
        days=clock.day,
    )


def _founding(s: _Script) -> None:
    """Days 0 to 13: the coordinator sets the table up, the constitutive session that evening,
    and a first proposal (opening hours), amended before anyone votes on it."""
    s.found(FOUNDER, MAJORITY)
    for key in PEOPLE:
        if key not in (FOUNDER, LATECOMER):
            s.admit(FOUNDER, key, "observer" if key == OBSERVER else "member")

    s.at(0, "16:30")
    s.role("elena", "pablo", "facilitator")
    s.role("elena", "amparo", "note_taker")
    s.assets(ASSETS["first_session"])
    s.table("hours", "javier", "Abrir el centro los jueves por la tarde",
            "Muchas personas trabajamos o cuidamos por la mañana y perdemos las citas. "
            "Proponemos abrir los jueves hasta las 20:00.", "delivery")

    s.at(3, "10:15")  # after talking it over with the nursing team, before anyone voted
    s.amend("hours", "javier", "Abrir el centro los jueves por la tarde, con acogida sin cita",
            "Abrir los jueves hasta las 20:00. De 17:00 a 20:00, acogida sin cita previa "
            "atendida por una enfermera y una persona de apoyo mutuo.")
    s.at(3, "18:00")
    s.online("hours", [
        ("javier", "for", "Es lo que más nos piden en la sala de espera."),
        ("lucia", "for"),
        ("amparo", "for", "Las familias no podemos venir en horario laboral."),
        ("marta", "against", "No hay plantilla para cubrir la tarde sin cerrar agendas de "
                             "mañana."),
        ("elena", "for", "La gerencia acepta un turno de tarde rotatorio, de prueba seis meses."),
        ("alberto", "abstain"),
        ("samir", "for", "En el barrio mucha gente trabaja en el puerto hasta tarde."),
        ("pablo", "for"),
    ], hours_apart=20)


def _first_month(s: _Script) -> None:
    """Days 14 to 28: opening hours decided, peer support and training, a co-chair proposed."""
    s.at(14, "16:30")  # second session
    s.vote("hours", "marta", "for", "Con el turno rotatorio sí es viable; cambio mi voto.")
    s.close("hours", "elena")
    s.table("peers", "lucia", "Grupo de apoyo mutuo los miércoles",
            "Un grupo abierto de apoyo mutuo, los miércoles de 18:00 a 19:30 en el centro "
            "cívico, facilitado por personas con experiencia propia. El centro lo difunde y lo "
            "apoya sin dirigirlo.", "design", CONSENT)
    s.table("training", "marta", "Formación del personal impartida con expertos por experiencia",
            "Un módulo de seis horas, «Recuperación en primera persona», para todo el personal "
            "del centro, diseñado e impartido junto con personas usuarias, que cobran como "
            "docentes.", "recruitment_training", SUPERMAJORITY)
    s.assets(ASSETS["second_session"])
    s.task("amparo", "Redactar las actas de cada sesión y enviarlas también en lectura fácil.")
    s.task("samir", "Difundir el nuevo horario de los jueves en las asociaciones y comercios "
                    "del barrio, también en árabe.")

    s.at(15, "09:00")
    s.reflections(FIRST_REFLECTIONS, hours_apart=5)
    s.online("peers", [
        ("lucia", "for"),
        ("javier", "for", "Entre iguales se dicen cosas que en consulta no salen."),
        ("amparo", "for"),
        ("carmen", "for", "La asociación vecinal cede su sala si el centro cívico se llena."),
        ("samir", "for"),
        ("pablo", "for", "El centro puede apoyar sin dirigirlo."),
        ("alberto", "against", "Me preocupa que no haya un profesional si alguien entra en "
                               "crisis durante la sesión."),
        ("marta", "abstain", "Apoyo la idea; prefiero que decidan quienes van a participar."),
    ])
    s.online("training", [
        ("marta", "for"),
        ("javier", "for", "Que el personal escuche la crisis contada desde dentro."),
        ("lucia", "for"),
        ("pablo", "for"),
        ("elena", "for", "Hay presupuesto de formación continuada para pagar a los docentes."),
        ("alberto", "against", "Seis horas en horario asistencial restan consultas."),
        ("amparo", "for"),
        ("vicent", "abstain"),
    ])
    s.at(23, "11:00")
    s.support("pablo", "lucia", "Preparamos juntos la primera sesión del grupo de apoyo mutuo "
                                "y el material de difusión.")

    s.at(28, "16:30")  # third session
    s.close("peers", "lucia")
    s.close("training", "elena")
    s.admit("pablo", LATECOMER)
    s.propose_chair("co_chair", "lucia", "javier", "Javier Ortega, copresidente de la mesa",
                    "Que la mesa la presidan juntas la coordinación del centro y una persona "
                    "usuaria. Proponemos a Javier Ortega como copresidente.",
                    SUPERMAJORITY_QUORUM_2_3)
    s.vote("co_chair", "lucia", "for", "La mesa la tiene que poder presidir también quien usa "
                                       "el servicio.")
    s.vote("co_chair", "vicent", "abstain", "Quiero pensarlo con calma.", recorded_by="amparo")
    s.vote("co_chair", "carmen", "for", recorded_by="amparo")
    s.vote("co_chair", "amparo", "for")
    s.vote("co_chair", "daniel", "for")
    s.vote("co_chair", "elena", "for", "Compartir la presidencia es la mejor señal de que esta "
                                       "mesa va en serio.")
    s.vote("co_chair", "pablo", "for")
    s.vote("co_chair", "marta", "for")
    s.vote("co_chair", "samir", "for")
    s.vote("co_chair", "javier", "abstain", "Me abstengo porque se trata de mí.")
    s.vote("co_chair", "alberto", "against", "No dudo de Javier, pero la presidencia debe "
                                             "recaer en quien responde ante la gerencia.")
    s.task("javier", "Codiseñar con Marta el módulo «Recuperación en primera persona».")
    s.task("lucia", "Coordinar el grupo de apoyo mutuo de los miércoles.")
    s.assets([("daniel", "Diseño gráfico: puedo hacer carteles y folletos.",
               ["habilidades", "diseño"])])
    s.support("javier", "daniel", "Le acompañé en su primera reunión de la mesa y le presenté "
                                  "el grupo de apoyo mutuo.")


def _second_month(s: _Script) -> None:
    """Days 31 to 55: Javier becomes co-chair; consent, a crisis plan and cameras tabled."""
    s.at(31, "12:00")
    s.support("amparo", "vicent", "Le presenté la asociación de familiares y compartimos cómo "
                                  "vivimos los ingresos de nuestros familiares.")
    s.at(33, "19:20")
    s.vote("co_chair", "vicent", "for", "Lo he hablado con mi hermana: Javier nos representa.")
    s.at(34, "10:00")
    s.support("carmen", "lucia", "Le conseguí la sala de la asociación vecinal para el grupo "
                                 "cuando el centro cívico cerró por obras.")
    s.at(35, "17:00")
    s.task("vicent", "Adecuar la sala del grupo de apoyo: estanterías y una mesa redonda.")

    s.at(42, "16:30")  # fourth session
    s.close("co_chair", "elena")
    s.table("consent", "samir", "Decidir por consentimiento",
            "Para que nada salga adelante pasando por encima de una parte de la mesa, "
            "proponemos decidir por consentimiento: una propuesta sale adelante si nadie la "
            "bloquea; las objeciones se recogen y se trabajan. Quórum de tres quintos.",
            "governance", kind="rule_change", change=CONSENT_QUORUM_3_5)
    s.table("crisis_plan", "pablo", "Protocolo de plan de crisis compartido",
            "Cada persona que lo desee elabora con su equipo un plan de crisis: señales de "
            "alerta, qué ayuda y qué no. En una crisis, el equipo podrá avisar a la familia de "
            "referencia.", "risk", CONSENSUS_QUORUM_2_3)
    s.table("cameras", "alberto", "Cámaras en la sala de espera",
            "Instalar cámaras de videovigilancia en la sala de espera tras dos agresiones al "
            "personal este año.", "risk")
    s.support("elena", "javier", "Repasamos juntos el presupuesto y los procedimientos de la "
                                 "gerencia para su papel de copresidente.")
    s.at(44, "18:00")
    s.support("lucia", "javier", "Le ayudé a preparar su primera sesión como copresidente: "
                                 "orden del día y turnos de palabra.")
    s.online("consent", [
        ("samir", "for"),
        ("lucia", "for", "Nadie debería salir de la mesa sintiendo que le han pasado por "
                         "encima."),
        ("javier", "for"),
        ("amparo", "for"),
        ("carmen", "for"),
        ("daniel", "for"),
        ("pablo", "for"),
        ("marta", "for"),
        ("elena", "for", "Me comprometo a traer las propuestas con tiempo para trabajarlas."),
        ("alberto", "against", "El consentimiento puede paralizar la gestión del día a día."),
    ], hours_apart=6)
    s.online("crisis_plan", [
        ("pablo", "for"),
        ("elena", "for"),
        ("alberto", "for"),
        ("marta", "for"),
        ("amparo", "abstain", "Como madre lo querría, pero entiendo lo que plantea Javier."),
        ("javier", "block", "Avisar a la familia debe decidirlo la persona en su plan; tal como "
                            "está, puede romper la confianza con el equipo."),
        ("lucia", "abstain", "Me aparto hasta que se resuelva lo que plantea Javier."),
        ("daniel", "for"),
        ("samir", "for"),
    ], hours_apart=6)
    s.online("cameras", [
        ("javier", "against", "Una sala vigilada no es una sala de acogida."),
        ("lucia", "against"),
        ("marta", "for", "El personal necesita sentirse seguro."),
        ("elena", "abstain"),
        ("amparo", "against"),
    ], hours_apart=6)


def _third_month(s: _Script) -> None:
    """Days 56 to 88: the crisis plan coproduced, a recruitment panel, two proposals fail."""
    s.at(56, "16:30")  # fifth session, the first co-chaired by Javier
    s.withdraw("cameras", "alberto")
    s.close("crisis_plan", "pablo")
    s.close("consent", "javier")
    s.table("crisis_plan_2", "javier",
            "Protocolo de plan de crisis compartido, versión coproducida",
            "La persona decide en su plan a quién se avisa y a quién no. El plan se elabora con "
            "su equipo y, si quiere, con un par de apoyo mutuo; se firma, se guarda en la "
            "historia clínica y se revisa cada seis meses.", "risk", CONSENSUS_QUORUM_2_3)
    s.table("panel", "amparo", "Personas expertas por experiencia en el tribunal de selección",
            "En la selección de la nueva plaza de enfermería especialista, una persona usuaria "
            "y una familiar de la mesa participan en las entrevistas con voz y puntuación, con "
            "formación previa y compensación por su tiempo.", "recruitment_training")
    for voter in ("javier", "pablo", "amparo", "alberto"):
        s.vote("crisis_plan_2", voter, "for")
    s.task("marta", "Reservar aulas y tramitar la acreditación del módulo de formación.")

    s.at(58, "12:00")
    s.category("carmen", "carer")  # her son has started coming to the centre
    s.at(60, "11:00")
    s.leave("alberto")  # moves to the hospital's inpatient unit: his open vote becomes void
    s.at(61, "09:00")
    s.online("crisis_plan_2", [
        ("lucia", "for", "Ahora sí: la decisión es de la persona."),
        ("marta", "for"),
        ("elena", "for"),
        ("daniel", "for"),
        ("samir", "for"),
        ("carmen", "abstain", "Me aparto: no conozco bien el funcionamiento clínico."),
    ])
    s.online("panel", [
        ("amparo", "for"),
        ("lucia", "for"),
        ("javier", "for", "Quien va a cuidarnos debería conocernos desde la entrevista."),
        ("daniel", "for"),
        ("elena", "for", "Recursos humanos confirma que cabe en el proceso de selección."),
        ("marta", "against", "Comparto el objetivo; mi objeción es que los criterios de "
                             "puntuación los fije solo recursos humanos."),
        ("pablo", "for"),
        ("samir", "for"),
        ("carmen", "for"),
    ])
    s.at(67, "17:30")
    s.support("javier", "marta", "Revisé con Marta los materiales del módulo de formación "
                                 "desde la experiencia de quien usa el servicio.")
    s.at(68, "10:30")
    s.support("samir", "amparo", "Traduje al árabe el folleto del grupo de familias.")

    s.at(70, "16:30")  # sixth session
    s.vote("crisis_plan_2", "vicent", "for", recorded_by="amparo")
    s.close("crisis_plan_2", "javier")
    s.close("panel", "amparo")
    s.role("javier", "lucia", "facilitator")
    s.table("open_day", "carmen", "Jornada de puertas abiertas en las fiestas del barrio",
            "Una tarde de puertas abiertas del centro durante las fiestas, con el grupo de "
            "apoyo mutuo y la asociación vecinal.", "delivery")
    s.table("monthly", "elena", "Reuniones mensuales en lugar de quincenales",
            "Reunir la mesa una vez al mes para aliviar la carga del equipo.", "governance",
            MAJORITY_QUORUM_3_5)
    s.task("javier", "Formar parte del tribunal de selección de la plaza de enfermería.")
    s.task("daniel", "Diseñar los carteles del horario de los jueves y del grupo de apoyo.")
    s.at(71, "10:00")
    s.online("open_day", [("carmen", "for"), ("samir", "for"), ("daniel", "for"),
                          ("amparo", "for")], hours_apart=30)
    s.online("monthly", [
        ("elena", "for", "La carga de trabajo del equipo es muy alta."),
        ("marta", "for"),
        ("pablo", "abstain"),
        ("javier", "against", "Con reuniones mensuales perdemos el ritmo y a quien acaba de "
                              "llegar."),
        ("lucia", "against"),
        ("amparo", "against"),
        ("daniel", "against"),
        ("samir", "against"),
    ])

    s.at(84, "16:30")  # seventh session
    s.vote("monthly", "vicent", "against", recorded_by="amparo")
    s.close("open_day", "pablo")
    s.close("monthly", "lucia")
    s.at(85, "09:00")
    s.reflections(LAST_REFLECTIONS, hours_apart=7)
