// Package demo loads benkan's demo data into an empty database (see
// [Load]) and names the demo users and the roles they are given (see
// [Users] and [Assignments]).
//
// # What is real
//
// The public facts come from press coverage of the project « Promotion du
// dialogue entre les forces de sécurité intérieure et les populations pour
// renforcer leur lien de confiance et de collaboration »: it was run by the
// Association Malienne des Droits de l'Homme (AMDH), funded and technically
// assisted by the Danish Institute for Human Rights (DIHR, Institut Danois
// des Droits de l'Homme), in Niono, Kayes and Fourou; its coordinator is
// M. Sory Diakité; it ran trainings of data collectors, inclusive dialogues,
// radio debates, sports days, cleanliness days and the monitoring of
// allegations of abuses and violations; it closed with a strategic retreat
// in Ségou on 18–19 December 2023 that capitalised its gains, proposed
// solutions to its difficulties, identified ways to carry out its major
// recommendations and advocated an extension. The localities, the
// security-force corps and their units are real public institutions.
//
// # What is synthetic
//
// Everything about incidents, actors, involvements and follow-ups is
// synthetic and visibly fictitious: names such as "Victime fictive 017",
// telephone numbers "+223 00 00 00 17 (fictif)", addresses in "Quartier
// fictif 3", narratives, locations and sources marked "(fictif)". No real
// person appears as a victim, witness, source or perpetrator; security-force
// units appear as alleged perpetrators only in these fictitious allegations.
// The dates, participant counts and contents of the activities other than
// the facts above, the recommendations' wording, statuses and due dates, the
// radios and associations named "(fictive)" and every demo user except the
// coordinator are illustrative too.
//
// The data are drawn from a random source with a fixed seed, so every load
// produces the same data (only the generated ids differ).
package demo
