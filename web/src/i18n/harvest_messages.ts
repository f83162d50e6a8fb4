// Messages of one area of the app, in every shipped language, kept apart so
// that the area's work does not collide with the rest of the catalogues:
// the harvest download on the network home, for the network's facilitators.
// Each language's catalogue (en.ts, de.ts, ...) spreads its part in; English
// defines the keys, and every other language must have each of them.
export const harvestMessages = {
  en: {
    "network.harvest": "The harvest",
    "network.harvestIntro":
      "The network's report for a period: each city's living-lab map, features by category, decisions, discussions and the sessions held, with totals.",
    "network.harvestFrom": "From",
    "network.harvestTo": "To",
    "network.harvestFormat": "Format",
    "network.harvestFormat.html": "Web page (HTML)",
    "network.harvestFormat.md": "Text (Markdown)",
    "network.harvestFormat.geojson": "Map data (GeoJSON bundle)",
    "network.harvestDownload": "Download the harvest",
    "network.harvestPreparing": "Preparing the harvest… this can take a moment.",
    "network.harvestDownloaded": "Downloaded {file}.",
    "network.harvestError.range": "These dates do not make a period: the start must be on or before the end.",
    "network.harvestError.forbidden":
      "Only the network's facilitators can download the harvest, with their invitation to the whole network.",
    "network.harvestError.notFound": "The server no longer knows this network.",
  },
  de: {
    "network.harvest": "Die Ernte",
    "network.harvestIntro":
      "Der Bericht des Netzwerks für einen Zeitraum: die Karte jedes Living Labs, Objekte nach Kategorie, Entscheidungen, Diskussionen und die abgehaltenen Sitzungen, mit Summen.",
    "network.harvestFrom": "Von",
    "network.harvestTo": "Bis",
    "network.harvestFormat": "Format",
    "network.harvestFormat.html": "Webseite (HTML)",
    "network.harvestFormat.md": "Text (Markdown)",
    "network.harvestFormat.geojson": "Kartendaten (GeoJSON-Paket)",
    "network.harvestDownload": "Die Ernte herunterladen",
    "network.harvestPreparing": "Die Ernte wird vorbereitet… das kann einen Moment dauern.",
    "network.harvestDownloaded": "{file} heruntergeladen.",
    "network.harvestError.range": "Diese Daten ergeben keinen Zeitraum: Der Beginn muss vor oder auf dem Ende liegen.",
    "network.harvestError.forbidden":
      "Nur die Moderation des Netzwerks kann die Ernte herunterladen, mit ihrer Einladung für das ganze Netzwerk.",
    "network.harvestError.notFound": "Der Server kennt dieses Netzwerk nicht mehr.",
  },
  es: {
    "network.harvest": "La cosecha",
    "network.harvestIntro":
      "El informe de la red para un periodo: el mapa del laboratorio vivo de cada ciudad, los elementos por categoría, las decisiones, los debates y las sesiones celebradas, con totales.",
    "network.harvestFrom": "Desde",
    "network.harvestTo": "Hasta",
    "network.harvestFormat": "Formato",
    "network.harvestFormat.html": "Página web (HTML)",
    "network.harvestFormat.md": "Texto (Markdown)",
    "network.harvestFormat.geojson": "Datos del mapa (paquete GeoJSON)",
    "network.harvestDownload": "Descargar la cosecha",
    "network.harvestPreparing": "Preparando la cosecha… puede tardar un momento.",
    "network.harvestDownloaded": "Se ha descargado {file}.",
    "network.harvestError.range": "Estas fechas no forman un periodo: el inicio debe ser anterior o igual al final.",
    "network.harvestError.forbidden":
      "Solo quienes moderan la red pueden descargar la cosecha, con su invitación a toda la red.",
    "network.harvestError.notFound": "El servidor ya no conoce esta red.",
  },
  pt: {
    "network.harvest": "A colheita",
    "network.harvestIntro":
      "O relatório da rede para um período: o mapa do laboratório vivo de cada cidade, os elementos por categoria, as decisões, as discussões e as sessões realizadas, com totais.",
    "network.harvestFrom": "De",
    "network.harvestTo": "Até",
    "network.harvestFormat": "Formato",
    "network.harvestFormat.html": "Página web (HTML)",
    "network.harvestFormat.md": "Texto (Markdown)",
    "network.harvestFormat.geojson": "Dados do mapa (pacote GeoJSON)",
    "network.harvestDownload": "Descarregar a colheita",
    "network.harvestPreparing": "A preparar a colheita… pode demorar um momento.",
    "network.harvestDownloaded": "{file} descarregado.",
    "network.harvestError.range":
      "Estas datas não formam um período: o início tem de ser antes do fim ou no mesmo dia.",
    "network.harvestError.forbidden":
      "Só quem modera a rede pode descarregar a colheita, com o seu convite para toda a rede.",
    "network.harvestError.notFound": "O servidor já não conhece esta rede.",
  },
  fr: {
    "network.harvest": "La récolte",
    "network.harvestIntro":
      "Le rapport du réseau pour une période : la carte du laboratoire vivant de chaque ville, les éléments par catégorie, les décisions, les discussions et les séances tenues, avec les totaux.",
    "network.harvestFrom": "Du",
    "network.harvestTo": "Au",
    "network.harvestFormat": "Format",
    "network.harvestFormat.html": "Page web (HTML)",
    "network.harvestFormat.md": "Texte (Markdown)",
    "network.harvestFormat.geojson": "Données cartographiques (lot GeoJSON)",
    "network.harvestDownload": "Télécharger la récolte",
    "network.harvestPreparing": "Préparation de la récolte… cela peut prendre un moment.",
    "network.harvestDownloaded": "{file} téléchargé.",
    "network.harvestError.range":
      "Ces dates ne forment pas une période : le début doit précéder la fin ou être le même jour.",
    "network.harvestError.forbidden":
      "Seules les personnes qui animent le réseau peuvent télécharger la récolte, avec leur invitation à tout le réseau.",
    "network.harvestError.notFound": "Le serveur ne connaît plus ce réseau.",
  },
};
