package demo

// scenario is a kind of fictitious allegation: its main violation type,
// how often it is alleged, the types that may come with it and the texts
// it is told with. Texts take the commune's name (%[1]s).
type scenario struct {
	primary string
	weight  int
	// also are the violation types that may be alleged with the main one.
	also []string
	// summaries are shareable one-sentence summaries, without names.
	summaries []string
	// details are the fictitious narratives' core.
	details []string
	// againstFSI is true when civilians are alleged to have attacked
	// security-force agents: the victims are agents, the alleged
	// perpetrators a civilian group.
	againstFSI bool
}

// scenarios are the kinds of fictitious allegations of the demo.
var scenarios = []scenario{
	{
		primary: "arbitrary_arrest", weight: 24,
		also: []string{"extortion_racket", "torture_ill_treatment", "threats", "denial_of_justice"},
		summaries: []string{
			"Un commerçant aurait été interpellé lors d'un contrôle et gardé à vue plus de 48 heures sans être présenté à un juge, à %[1]s.",
			"Des jeunes auraient été arrêtés sans motif lors d'une patrouille nocturne à %[1]s, puis relâchés sans explication.",
			"Un éleveur aurait été détenu plusieurs jours dans les locaux d'une unité de %[1]s sans que sa famille soit informée.",
		},
		details: []string{
			"La personne dit avoir été conduite au poste sans qu'on lui indique le motif de son interpellation, puis gardée trois nuits avant d'être relâchée sans procès-verbal.",
			"Selon le récit recueilli, les agents ont exigé les pièces d'identité du groupe puis ont emmené ceux qui n'en avaient pas, sans les informer de leurs droits.",
		},
	},
	{
		primary: "extortion_racket", weight: 22,
		also: []string{"arbitrary_arrest", "threats", "destruction_looting"},
		summaries: []string{
			"Des usagers de la route auraient été contraints de payer des sommes indues à un poste de contrôle près de %[1]s.",
			"Un transporteur aurait dû verser de l'argent pour récupérer sa moto saisie à %[1]s.",
			"Des commerçants se rendant au marché de %[1]s se plaignent de paiements exigés sans quittance à un poste de contrôle.",
		},
		details: []string{
			"Le plaignant rapporte qu'une somme lui a été réclamée sans reçu pour poursuivre sa route, alors que ses documents étaient en règle.",
			"Selon le récit, le véhicule a été immobilisé plusieurs heures jusqu'au paiement d'une somme dont le motif n'a pas été précisé.",
		},
	},
	{
		primary: "torture_ill_treatment", weight: 12,
		also: []string{"arbitrary_arrest", "threats"},
		summaries: []string{
			"Un homme aurait subi des coups lors de son interrogatoire dans les locaux d'une unité à %[1]s.",
			"Un détenu aurait été privé de nourriture et frappé pendant sa garde à vue à %[1]s.",
		},
		details: []string{
			"La personne dit avoir été frappée pendant l'interrogatoire pour obtenir des aveux ; des traces de coups ont été observées par le collecteur.",
			"Le récit fait état de mauvais traitements pendant la garde à vue et d'un refus d'accès à des soins.",
		},
	},
	{
		primary: "threats", weight: 10,
		also: []string{"denial_of_justice"},
		summaries: []string{
			"Un habitant aurait reçu des menaces après avoir porté plainte contre des agents à %[1]s.",
			"Des témoins d'une interpellation à %[1]s disent avoir été intimidés pour qu'ils ne parlent pas.",
		},
		details: []string{
			"Le plaignant rapporte avoir été menacé de représailles s'il maintenait sa plainte.",
			"Selon le récit, des propos intimidants ont été tenus devant plusieurs personnes du quartier.",
		},
	},
	{
		primary: "destruction_looting", weight: 8,
		also: []string{"extortion_racket", "threats"},
		summaries: []string{
			"Des biens (motos, téléphones, marchandises) auraient été saisis sans procès-verbal ni restitution à %[1]s.",
			"Des étals auraient été détruits lors d'une opération de déguerpissement à %[1]s, sans préavis.",
		},
		details: []string{
			"Le plaignant affirme que ses biens ont été emportés lors d'une fouille et qu'aucun document ne lui a été remis.",
			"Selon le récit, l'opération a eu lieu tôt le matin et les marchandises n'ont pas pu être récupérées.",
		},
	},
	{
		primary: "denial_of_justice", weight: 8,
		also: []string{"threats"},
		summaries: []string{
			"La plainte d'une victime aurait été refusée par l'unité saisie à %[1]s, sans orientation vers une autre autorité.",
			"Une famille de %[1]s dit n'avoir reçu aucune information sur la suite donnée à sa plainte après plusieurs mois.",
		},
		details: []string{
			"La personne rapporte s'être présentée à plusieurs reprises sans que sa plainte soit enregistrée.",
			"Selon le récit, aucun récépissé n'a été remis et le dossier serait introuvable.",
		},
	},
	{
		primary: "attack_on_fsi", weight: 7, againstFSI: true,
		also: []string{"destruction_looting", "threats"},
		summaries: []string{
			"Des agents en patrouille auraient été pris à partie et blessés par un groupe de civils à %[1]s.",
			"Un poste de sécurité aurait été saccagé par des manifestants à %[1]s.",
		},
		details: []string{
			"Selon le récit, une interpellation a provoqué un attroupement ; des pierres ont été lancées sur les agents.",
			"Le récit fait état de dégâts matériels au poste et de menaces proférées contre les agents présents.",
		},
	},
	{
		primary: "sexual_violence", weight: 4,
		also: []string{"threats", "denial_of_justice", "torture_ill_treatment"},
		summaries: []string{
			"Une femme aurait été victime de violences sexuelles lors d'un contrôle à %[1]s.",
			"Une jeune femme aurait subi du harcèlement sexuel de la part d'un agent à %[1]s.",
		},
		details: []string{
			"Le récit a été recueilli avec l'accord de la victime, par une collectrice, et ne contient que les éléments qu'elle a accepté de partager.",
			"La victime a demandé à être orientée vers une prise en charge médicale et psychosociale.",
		},
	},
	{
		primary: "enforced_disappearance", weight: 3,
		also: []string{"arbitrary_arrest", "denial_of_justice"},
		summaries: []string{
			"Un éleveur interpellé par des hommes en uniforme n'aurait plus donné de nouvelles depuis, selon sa famille, à %[1]s.",
		},
		details: []string{
			"La famille rapporte avoir fait le tour des unités sans obtenir d'information sur le lieu de détention.",
		},
	},
	{
		primary: "killing", weight: 2,
		also: []string{"destruction_looting", "denial_of_justice"},
		summaries: []string{
			"Un civil aurait été tué par balle lors d'une opération de sécurisation dans les environs de %[1]s.",
		},
		details: []string{
			"Selon les témoins, les tirs ont eu lieu alors que la personne tentait de s'éloigner ; la famille demande une enquête.",
		},
	},
}

// Fictitious places, sources and narrative frames of the allegations.
var (
	landmarks = []string{"près du marché", "à un poste de contrôle à l'entrée de la ville", "près de la gare routière",
		"dans les locaux de l'unité", "près de la mairie", "près de l'école", "sur la route principale", "près du centre de santé"}
	sourceTexts = []string{
		"Témoignage direct de la victime recueilli par le collecteur de données (fictif).",
		"Signalement téléphonique d'un proche de la victime (fictif).",
		"Information relayée par un leader communautaire (fictif).",
		"Constat direct lors d'une mission de monitoring (fictif).",
		"Signalement d'une association locale (fictif).",
	}
)
