<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
    <context>
        <name>ClassifyAlgorithm</name>
        <message>
            <location filename="../processing_provider/algorithms/classify_algorithm.py" line="28" />
            <source>Classify land cover</source>
            <translation>Classer l'occupation du sol</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/classify_algorithm.py" line="31" />
            <source>Land-cover map and confidence of a Sentinel-2 time series, with a trained .lcx model.</source>
            <translation>Carte d'occupation du sol et carte de confiance d'une série temporelle Sentinel-2, avec un modèle .lcx entraîné.</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/classify_algorithm.py" line="34" />
            <source>deep learning,classification,prediction,inference,sentinel-2,time series,land cover</source>
            <translation>apprentissage profond,classification,prédiction,inférence,sentinel-2,série temporelle,occupation du sol</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/classify_algorithm.py" line="37" />
            <source>optional</source>
            <translation>facultatif</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/classify_algorithm.py" line="42" />
            <source>&lt;p&gt;Classifies every pixel of a Sentinel-2 time series with a trained model (.lcx) and writes a styled class map (colours and class names from the model) and a confidence map.&lt;/p&gt;&lt;p&gt;The raster is processed window by window, so any size fits in memory. The model checks that the raster has its bands and dates; if not, the error says what differs. Missing observations are filled in time; pixels with fewer than 2 observed dates are no-data.&lt;/p&gt;</source>
            <translation>&lt;p&gt;Classe chaque pixel d'une série temporelle Sentinel-2 avec un modèle entraîné (.lcx) et écrit une carte des classes stylée (couleurs et noms de classes du modèle) et une carte de confiance.&lt;/p&gt;&lt;p&gt;Le raster est traité fenêtre par fenêtre : toute taille tient en mémoire. Le modèle vérifie que le raster a ses bandes et ses dates ; sinon, l'erreur dit ce qui diffère. Les observations manquantes sont comblées dans le temps ; les pixels observés à moins de 2 dates sont sans donnée.&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/classify_algorithm.py" line="42" />
            <source>Parameters</source>
            <translation>Paramètres</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/classify_algorithm.py" line="42" />
            <source>Outputs</source>
            <translation>Sorties</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/classify_algorithm.py" line="61" />
            <source>Land cover classification</source>
            <translation>Classification de l'occupation du sol</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/classify_algorithm.py" line="42" />
            <source>class ids (GeoTIFF, paletted style with the class names).</source>
            <translation>identifiants de classe (GeoTIFF, style palette avec les noms des classes).</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/classify_algorithm.py" line="62" />
            <source>Confidence</source>
            <translation>Confiance</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/classify_algorithm.py" line="42" />
            <source>the highest class probability, 0..1.</source>
            <translation>la plus forte probabilité de classe, 0..1.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="332" />
            <source>Sentinel-2 time series</source>
            <translation>Série temporelle Sentinel-2</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="334" />
            <source>Model file</source>
            <translation>Fichier du modèle</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="263" />
            <source>Land Cover XAI model (*.lcx)</source>
            <translation>Modèle Land Cover XAI (*.lcx)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="263" />
            <source>All files (*.*)</source>
            <translation>Tous les fichiers (*.*)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="335" />
            <source>Device</source>
            <translation>Processeur</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="275" />
            <source>Batch size (pixels; 0 = measured)</source>
            <translation>Taille de lot (pixels ; 0 = mesurée)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="281" />
            <source>Overwrite existing output files</source>
            <translation>Écraser les fichiers de sortie existants</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="299" />
            <source>Target class ('predicted', a class id or a class name)</source>
            <translation>Classe cible (« predicted », un identifiant ou un nom de classe)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="306" />
            <source>Method</source>
            <translation>Méthode</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="332" />
            <source>the raster file, with the bands the model was trained on and dates that cover its season.</source>
            <translation>le fichier raster, avec les bandes sur lesquelles le modèle a été entraîné et des dates qui couvrent sa saison.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="334" />
            <source>a .lcx file written by 'Train a land cover model'.</source>
            <translation>un fichier .lcx écrit par « Entraîner un modèle d'occupation du sol ».</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="335" />
            <source>(auto: the GPU when torch sees one).</source>
            <translation>(auto : le GPU quand torch en voit un).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="336" />
            <source>Batch size</source>
            <translation>Taille de lot</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="336" />
            <source>(advanced) pixels per batch; 0 = measured on this machine.</source>
            <translation>(avancé) pixels par lot ; 0 = mesurée sur cette machine.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="226" />
            <source>Accuracy assessment</source>
            <translation>Évaluation de la précision</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="117" />
            <source>By name: {0}; or by index 0..{1}.</source>
            <translation>Par nom : {0} ; ou par indice 0..{1}.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="160" />
            <source>a folder</source>
            <translation>un dossier</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="162" />
            <source>a FIFO (named pipe)</source>
            <translation>un tube nommé (FIFO)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="164" />
            <source>a device</source>
            <translation>un périphérique</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="166" />
            <source>a socket</source>
            <translation>un socket</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="225" />
            <source>Classification</source>
            <translation>Classification</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="225" />
            <source>Explanation</source>
            <translation>Explication</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="246" />
            <source>Unexpected error: {0}: {1} (the log holds the details).</source>
            <translation>Erreur inattendue : {0} : {1} (le journal contient les détails).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="294" />
            <source>{0} exists already: choose another file name, or tick 'Overwrite existing output files' (OVERWRITE=true).</source>
            <translation>{0} existe déjà : choisissez un autre nom de fichier, ou cochez « Écraser les fichiers de sortie existants » (OVERWRITE=true).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="346" />
            <source>Choose a model file (.lcx), for example one written by 'Train a land cover model'.</source>
            <translation>Choisissez un fichier de modèle (.lcx), par exemple écrit par « Entraîner un modèle d'occupation du sol ».</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="348" />
            <source>The model must be a Land Cover XAI model file ending in .lcx; got {0}.</source>
            <translation>Le modèle doit être un fichier de modèle Land Cover XAI se terminant par .lcx ; reçu : {0}.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="352" />
            <source>The model {0} is {1}, not a regular file: choose a model file (.lcx).</source>
            <translation>Le modèle {0} est {1}, pas un fichier ordinaire : choisissez un fichier de modèle (.lcx).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="353" />
            <source>Model file not found: {0}. Check the path, or train a model first.</source>
            <translation>Fichier de modèle introuvable : {0}. Vérifiez le chemin, ou entraînez d'abord un modèle.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="374" />
            <source>{0}: the outputs are GeoTIFF files; give a file name ending in .tif ({1}).</source>
            <translation>{0} : les sorties sont des fichiers GeoTIFF ; donnez un nom de fichier se terminant par .tif ({1}).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="378" />
            <source>{0} and {1} point to the same file ({2}): give each output its own file.</source>
            <translation>{0} et {1} désignent le même fichier ({2}) : donnez à chaque sortie son propre fichier.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="392" />
            <source>{0} is a '{1}' layer; Land Cover XAI reads raster files (GeoTIFF, VRT, ...) with GDAL. Save the layer as a GeoTIFF first (Export &gt; Save As...) and use that file.</source>
            <translation>{0} est une couche « {1} » ; Land Cover XAI lit des fichiers raster (GeoTIFF, VRT…) avec GDAL. Enregistrez d'abord la couche en GeoTIFF (Exporter &gt; Enregistrer sous…) et utilisez ce fichier.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="443" />
            <source>Could not apply the style {0}: {1}</source>
            <translation>Impossible d'appliquer le style {0} : {1}</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="471" />
            <source>{0} pixels ({1} without enough observations) in {2:.1f} s on {3}, batch {4}</source>
            <translation>{0} pixels ({1} sans assez d'observations) en {2:.1f} s sur {3}, lot de {4}</translation>
        </message>
    </context>
    <context>
        <name>ClassifyPanel</name>
        <message>
            <location filename="../gui/plugin.py" line="48" />
            <source>Land Cover XAI</source>
            <translation>Land Cover XAI</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="223" />
            <source>Class map and confidence</source>
            <translation>Carte des classes et confiance</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="107" />
            <source>Time series</source>
            <translation>Série temporelle</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="134" />
            <source>One multi-band raster layer</source>
            <translation>Une couche raster multibande</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="135" />
            <source>One raster layer per date</source>
            <translation>Une couche raster par date</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="140" />
            <source>A raster whose bands are dates x bands, e.g. described as 'T1_2015-07-11_B04' or '20150711_B04'</source>
            <translation>Un raster dont les bandes sont dates x bandes, décrites par exemple « T1_2015-07-11_B04 » ou « 20150711_B04 »</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="143" />
            <source>Tick the single-date rasters of the series; they are ordered by date</source>
            <translation>Cochez les rasters d'une seule date de la série ; ils sont triés par date</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="145" />
            <source>Add the bundled Sentinel-2 sample to the map</source>
            <translation>Ajouter l'exemple Sentinel-2 fourni à la carte</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="150" />
            <source>Date</source>
            <translation>Date</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="168" />
            <source>Bands</source>
            <translation>Bandes</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="156" />
            <source>Correct the detected dates / bands</source>
            <translation>Corriger les dates / bandes détectées</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="165" />
            <source>date by date (date-major)</source>
            <translation>date par date (dates d'abord)</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="166" />
            <source>band by band (band-major)</source>
            <translation>bande par bande (bandes d'abord)</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="167" />
            <source>Dates</source>
            <translation>Dates</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="169" />
            <source>Band order</source>
            <translation>Ordre des bandes</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="170" />
            <source>To make the correction permanent, save it beside the raster as '&lt;raster&gt;.layout.json': {"dates": [...], "bands": [...], "order": "date-major"}.</source>
            <translation>Pour rendre la correction permanente, enregistrez-la à côté du raster dans « &lt;raster&gt;.layout.json » : {"dates": [...], "bands": [...], "order": "date-major"}.</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="183" />
            <source>Model</source>
            <translation>Modèle</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="186" />
            <source>Bundled sample model (Slovenia 2015)</source>
            <translation>Modèle d'exemple fourni (Slovénie 2015)</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="187" />
            <source>Model file (.lcx)</source>
            <translation>Fichier de modèle (.lcx)</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="189" />
            <source>Bundled sample model (Slovenia 2015) — not installed</source>
            <translation>Modèle d'exemple fourni (Slovénie 2015) — non installé</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="182" />
            <source>Land Cover XAI model (*.lcx)</source>
            <translation>Modèle Land Cover XAI (*.lcx)</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="192" />
            <source>Choose a Land Cover XAI model</source>
            <translation>Choisir un modèle Land Cover XAI</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="202" />
            <source>Double-click a class to rename it: the model file keeps the new name beside the original one; legends, lists and plots show it.</source>
            <translation>Double-cliquez sur une classe pour la renommer : le fichier du modèle garde le nouveau nom à côté de l'original ; légendes, listes et graphiques l'affichent.</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="217" />
            <source>Outputs</source>
            <translation>Sorties</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="177" />
            <source>Device</source>
            <translation>Processeur</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="235" />
            <source>Explain the class</source>
            <translation>Expliquer la classe</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="237" />
            <source>Class the explanations are computed for: each pixel's predicted class, or one class everywhere</source>
            <translation>Classe pour laquelle les explications sont calculées : la classe prédite de chaque pixel, ou une même classe partout</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="240" />
            <source>Output folder</source>
            <translation>Dossier de sortie</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="243" />
            <source>Folder for the outputs (one subfolder per run)</source>
            <translation>Dossier des sorties (un sous-dossier par exécution)</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="249" />
            <source>Run</source>
            <translation>Lancer</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="191" />
            <source>Cancel</source>
            <translation>Annuler</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="352" />
            <source>CPU</source>
            <translation>CPU</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="352" />
            <source>GPU (CUDA)</source>
            <translation>GPU (CUDA)</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="420" />
            <source>no date</source>
            <translation>sans date</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="513" />
            <source>Choose the time series (raster layers of the project).</source>
            <translation>Choisissez la série temporelle (couches raster du projet).</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="523" />
            <source>cloud fraction {0:.0%} (metadata)</source>
            <translation>fraction nuageuse {0:.0%} (métadonnées)</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="529" />
            <source>Sentinel-2 sample, Slovenia 2015</source>
            <translation>Exemple Sentinel-2, Slovénie 2015</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="554" />
            <source>Choose the time series in the Classify tab first.</source>
            <translation>Choisissez d'abord la série temporelle dans l'onglet Classer.</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="556" />
            <source>Choose a model in the Classify tab first.</source>
            <translation>Choisissez d'abord un modèle dans l'onglet Classer.</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="566" />
            <source>Choose a model file (.lcx), or the bundled sample model.</source>
            <translation>Choisissez un fichier de modèle (.lcx), ou le modèle d'exemple fourni.</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="569" />
            <source>The bundled sample model is not installed: choose a model file, or train one in the Train tab.</source>
            <translation>Le modèle d'exemple fourni n'est pas installé : choisissez un fichier de modèle, ou entraînez-en un dans l'onglet Entraîner.</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="572" />
            <source>Model file not found: {0}</source>
            <translation>Fichier de modèle introuvable : {0}</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="622" />
            <source>Choose a model first.</source>
            <translation>Choisissez d'abord un modèle.</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="625" />
            <source>The model has no class {0}.</source>
            <translation>Le modèle n'a pas de classe {0}.</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="655" />
            <source>Predicted class (each pixel)</source>
            <translation>Classe prédite (pour chaque pixel)</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="662" />
            <source>channel attention ({0})</source>
            <translation>attention par canal ({0})</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="666" />
            <source>{0}, {1} classes; bands: {2}; {3} dates: {4}</source>
            <translation>{0}, {1} classes ; bandes : {2} ; {3} dates : {4}</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="672" />
            <source>class id {0}; in the training data: '{1}'</source>
            <translation>classe n° {0} ; dans les données d'entraînement : « {1} »</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="673" />
            <source>Double-click to rename.</source>
            <translation>Double-cliquez pour renommer.</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="687" />
            <source>Only models of architecture {0} have this output.</source>
            <translation>Seuls les modèles d'architecture {0} ont cette sortie.</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="699" />
            <source>torch / captum are missing: install them (see above) and restart QGIS.</source>
            <translation>torch / captum sont absents : installez-les (voir ci-dessus) et redémarrez QGIS.</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="701" />
            <source>Choose the time series.</source>
            <translation>Choisissez la série temporelle.</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="703" />
            <source>Choose a model.</source>
            <translation>Choisissez un modèle.</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="725" />
            <source>✓ The time series fits the model.</source>
            <translation>✓ La série temporelle convient au modèle.</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="764" />
            <source>Land Cover XAI: classifying {0}</source>
            <translation>Land Cover XAI : classification de {0}</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="776" />
            <source>Classifying…</source>
            <translation>Classification en cours…</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="784" />
            <source>Cancelling…</source>
            <translation>Annulation…</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="803" />
            <source>Done in {0:.1f} s: {1} layers in the group '{2}' (files in {3}).</source>
            <translation>Terminé en {0:.1f} s : {1} couches dans le groupe « {2} » (fichiers dans {3}).</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="825" />
            <source>Cancelled: no file and no layer was kept.</source>
            <translation>Annulé : aucun fichier ni aucune couche n'a été conservé.</translation>
        </message>
    </context>
    <context>
        <name>ExplainAlgorithm</name>
        <message>
            <location filename="../processing_provider/algorithms/explain_algorithm.py" line="26" />
            <source>Explain land cover predictions</source>
            <translation>Expliquer les prédictions d'occupation du sol</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/explain_algorithm.py" line="29" />
            <source>Grad-CAM, band attention, SHAP or Integrated Gradients maps of a model's predictions.</source>
            <translation>Cartes Grad-CAM, d'attention par bande, SHAP ou Gradients intégrés des prédictions d'un modèle.</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/explain_algorithm.py" line="32" />
            <source>xai,explainable ai,explanation,grad-cam,shap,attention,integrated gradients,saliency</source>
            <translation>xai,ia explicable,explication,grad-cam,shap,attention,gradients intégrés,saillance</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/explain_algorithm.py" line="39" />
            <source>Explains, for every pixel, why the model predicts a class, as a styled raster.</source>
            <translation>Explique, pour chaque pixel, pourquoi le modèle prédit une classe, sous forme de raster stylé.</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/explain_algorithm.py" line="39" />
            <source>Parameters</source>
            <translation>Paramètres</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/explain_algorithm.py" line="39" />
            <source>Method</source>
            <translation>Méthode</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/explain_algorithm.py" line="39" />
            <source>Target class</source>
            <translation>Classe cible</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/explain_algorithm.py" line="39" />
            <source>&lt;i&gt;predicted&lt;/i&gt; (each pixel's predicted class), a class id, or a class name of the model.</source>
            <translation>&lt;i&gt;predicted&lt;/i&gt; (la classe prédite de chaque pixel), un identifiant de classe ou un nom de classe du modèle.</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/explain_algorithm.py" line="39" />
            <source>Outputs</source>
            <translation>Sorties</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/explain_algorithm.py" line="71" />
            <source>Explanation</source>
            <translation>Explication</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/explain_algorithm.py" line="39" />
            <source>the method's raster, with a colour ramp; band names say what each band is.</source>
            <translation>le raster de la méthode, avec une rampe de couleurs ; les noms des bandes disent ce que contient chacune.</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/explain_algorithm.py" line="71" />
            <source>Explanation per date</source>
            <translation>Explication par date</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/explain_algorithm.py" line="39" />
            <source>(optional; methods with a second raster: SHAP and Integrated Gradients by date).</source>
            <translation>(facultatif ; méthodes à second raster : SHAP et Gradients intégrés par date).</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/explain_algorithm.py" line="60" />
            <source>Explanation per date (SHAP / Integrated Gradients)</source>
            <translation>Explication par date (SHAP / Gradients intégrés)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/explain_algorithm.py" line="93" />
            <source>'Explanation per date' is written for SHAP and Integrated Gradients only; Grad-CAM has its dates in the main output. Ignored.</source>
            <translation>« Explication par date » n'est écrite que pour SHAP et les Gradients intégrés ; Grad-CAM a ses dates dans la sortie principale. Ignorée.</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/explain_algorithm.py" line="103" />
            <source>Explaining with {0}, target {1}</source>
            <translation>Explication avec {0}, cible {1}</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="332" />
            <source>Sentinel-2 time series</source>
            <translation>Série temporelle Sentinel-2</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="334" />
            <source>Model file</source>
            <translation>Fichier du modèle</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="263" />
            <source>Land Cover XAI model (*.lcx)</source>
            <translation>Modèle Land Cover XAI (*.lcx)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="263" />
            <source>All files (*.*)</source>
            <translation>Tous les fichiers (*.*)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="335" />
            <source>Device</source>
            <translation>Processeur</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="275" />
            <source>Batch size (pixels; 0 = measured)</source>
            <translation>Taille de lot (pixels ; 0 = mesurée)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="281" />
            <source>Overwrite existing output files</source>
            <translation>Écraser les fichiers de sortie existants</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="299" />
            <source>Target class ('predicted', a class id or a class name)</source>
            <translation>Classe cible (« predicted », un identifiant ou un nom de classe)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="332" />
            <source>the raster file, with the bands the model was trained on and dates that cover its season.</source>
            <translation>le fichier raster, avec les bandes sur lesquelles le modèle a été entraîné et des dates qui couvrent sa saison.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="334" />
            <source>a .lcx file written by 'Train a land cover model'.</source>
            <translation>un fichier .lcx écrit par « Entraîner un modèle d'occupation du sol ».</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="335" />
            <source>(auto: the GPU when torch sees one).</source>
            <translation>(auto : le GPU quand torch en voit un).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="336" />
            <source>Batch size</source>
            <translation>Taille de lot</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="336" />
            <source>(advanced) pixels per batch; 0 = measured on this machine.</source>
            <translation>(avancé) pixels par lot ; 0 = mesurée sur cette machine.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="226" />
            <source>Accuracy assessment</source>
            <translation>Évaluation de la précision</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="117" />
            <source>By name: {0}; or by index 0..{1}.</source>
            <translation>Par nom : {0} ; ou par indice 0..{1}.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="160" />
            <source>a folder</source>
            <translation>un dossier</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="162" />
            <source>a FIFO (named pipe)</source>
            <translation>un tube nommé (FIFO)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="164" />
            <source>a device</source>
            <translation>un périphérique</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="166" />
            <source>a socket</source>
            <translation>un socket</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="225" />
            <source>Classification</source>
            <translation>Classification</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="246" />
            <source>Unexpected error: {0}: {1} (the log holds the details).</source>
            <translation>Erreur inattendue : {0} : {1} (le journal contient les détails).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="294" />
            <source>{0} exists already: choose another file name, or tick 'Overwrite existing output files' (OVERWRITE=true).</source>
            <translation>{0} existe déjà : choisissez un autre nom de fichier, ou cochez « Écraser les fichiers de sortie existants » (OVERWRITE=true).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="346" />
            <source>Choose a model file (.lcx), for example one written by 'Train a land cover model'.</source>
            <translation>Choisissez un fichier de modèle (.lcx), par exemple écrit par « Entraîner un modèle d'occupation du sol ».</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="348" />
            <source>The model must be a Land Cover XAI model file ending in .lcx; got {0}.</source>
            <translation>Le modèle doit être un fichier de modèle Land Cover XAI se terminant par .lcx ; reçu : {0}.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="352" />
            <source>The model {0} is {1}, not a regular file: choose a model file (.lcx).</source>
            <translation>Le modèle {0} est {1}, pas un fichier ordinaire : choisissez un fichier de modèle (.lcx).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="353" />
            <source>Model file not found: {0}. Check the path, or train a model first.</source>
            <translation>Fichier de modèle introuvable : {0}. Vérifiez le chemin, ou entraînez d'abord un modèle.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="374" />
            <source>{0}: the outputs are GeoTIFF files; give a file name ending in .tif ({1}).</source>
            <translation>{0} : les sorties sont des fichiers GeoTIFF ; donnez un nom de fichier se terminant par .tif ({1}).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="378" />
            <source>{0} and {1} point to the same file ({2}): give each output its own file.</source>
            <translation>{0} et {1} désignent le même fichier ({2}) : donnez à chaque sortie son propre fichier.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="392" />
            <source>{0} is a '{1}' layer; Land Cover XAI reads raster files (GeoTIFF, VRT, ...) with GDAL. Save the layer as a GeoTIFF first (Export &gt; Save As...) and use that file.</source>
            <translation>{0} est une couche « {1} » ; Land Cover XAI lit des fichiers raster (GeoTIFF, VRT…) avec GDAL. Enregistrez d'abord la couche en GeoTIFF (Exporter &gt; Enregistrer sous…) et utilisez ce fichier.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="443" />
            <source>Could not apply the style {0}: {1}</source>
            <translation>Impossible d'appliquer le style {0} : {1}</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="471" />
            <source>{0} pixels ({1} without enough observations) in {2:.1f} s on {3}, batch {4}</source>
            <translation>{0} pixels ({1} sans assez d'observations) en {2:.1f} s sur {3}, lot de {4}</translation>
        </message>
    </context>
    <context>
        <name>LandCoverClasses</name>
        <message>
            <location filename="../gui/class_names.py" line="17" />
            <source>cultivated land</source>
            <translation>terres cultivées</translation>
        </message>
        <message>
            <location filename="../gui/class_names.py" line="17" />
            <source>forest</source>
            <translation>forêt</translation>
        </message>
        <message>
            <location filename="../gui/class_names.py" line="17" />
            <source>grassland</source>
            <translation>prairie</translation>
        </message>
        <message>
            <location filename="../gui/class_names.py" line="17" />
            <source>shrubland</source>
            <translation>fourrés et broussailles</translation>
        </message>
        <message>
            <location filename="../gui/class_names.py" line="17" />
            <source>artificial surface</source>
            <translation>surface artificialisée</translation>
        </message>
        <message>
            <location filename="../gui/class_names.py" line="17" />
            <source>water</source>
            <translation>eau</translation>
        </message>
        <message>
            <location filename="../gui/class_names.py" line="17" />
            <source>wetland</source>
            <translation>zone humide</translation>
        </message>
        <message>
            <location filename="../gui/class_names.py" line="17" />
            <source>bare soil</source>
            <translation>sol nu</translation>
        </message>
        <message>
            <location filename="../gui/class_names.py" line="17" />
            <source>cropland</source>
            <translation>cultures</translation>
        </message>
        <message>
            <location filename="../gui/class_names.py" line="17" />
            <source>urban</source>
            <translation>zone urbaine</translation>
        </message>
    </context>
    <context>
        <name>LandCoverXai</name>
        <message>
            <location filename="../gui/plugin.py" line="48" />
            <source>Land Cover XAI</source>
            <translation>Land Cover XAI</translation>
        </message>
        <message>
            <location filename="../gui/plugin.py" line="51" />
            <source>Classify land cover from a Sentinel-2 time series and explain it</source>
            <translation>Classer l'occupation du sol d'une série temporelle Sentinel-2 et l'expliquer</translation>
        </message>
    </context>
    <context>
        <name>LandCoverXaiDock</name>
        <message>
            <location filename="../gui/plugin.py" line="48" />
            <source>Land Cover XAI</source>
            <translation>Land Cover XAI</translation>
        </message>
        <message>
            <location filename="../gui/dock.py" line="62" />
            <source>Run the demo: classify and explain the bundled sample</source>
            <translation>Lancer la démo : classer et expliquer l'exemple fourni</translation>
        </message>
        <message>
            <location filename="../gui/dock.py" line="64" />
            <source>One click, offline: adds the bundled Sentinel-2 sample (Slovenia 2015) to the map and runs the bundled model with Grad-CAM and band attention</source>
            <translation>En un clic, hors ligne : ajoute l'exemple Sentinel-2 fourni (Slovénie 2015) à la carte et exécute le modèle fourni avec Grad-CAM et l'attention par bande</translation>
        </message>
        <message>
            <location filename="../gui/dock.py" line="70" />
            <source>Explain a pixel</source>
            <translation>Expliquer un pixel</translation>
        </message>
        <message>
            <location filename="../gui/dock.py" line="73" />
            <source>Click a pixel on the map: its class probabilities, Grad-CAM over dates and SHAP by band and date</source>
            <translation>Cliquez sur un pixel de la carte : probabilités des classes, Grad-CAM au fil des dates et SHAP par bande et par date</translation>
        </message>
        <message>
            <location filename="../gui/dock.py" line="76" />
            <source>Copy diagnostics</source>
            <translation>Copier le diagnostic</translation>
        </message>
        <message>
            <location filename="../gui/dock.py" line="77" />
            <source>Copy versions of Python, torch, captum, GDAL to the clipboard, for a bug report</source>
            <translation>Copier les versions de Python, torch, captum et GDAL dans le presse-papiers, pour un rapport de bogue</translation>
        </message>
        <message>
            <location filename="../gui/dock.py" line="83" />
            <source>Presenter mode</source>
            <translation>Mode présentateur</translation>
        </message>
        <message>
            <location filename="../gui/dock.py" line="85" />
            <source>Full screen for a public: the demo's map, a big legend, a click tells why; Esc leaves</source>
            <translation>Plein écran pour le public : la carte de la démo, une grande légende, un clic dit pourquoi ; Échap pour quitter</translation>
        </message>
        <message>
            <location filename="../gui/dock.py" line="92" />
            <source>Classify</source>
            <translation>Classer</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="188" />
            <source>Train</source>
            <translation>Entraîner</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="273" />
            <source>Validate</source>
            <translation>Valider</translation>
        </message>
        <message>
            <location filename="../gui/dock.py" line="123" />
            <source>torch and captum found: ready.</source>
            <translation>torch et captum trouvés : prêt.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="726" />
            <source>The bundled sample is missing from the plugin folder: reinstall the plugin.</source>
            <translation>L'exemple fourni est absent du dossier de l'extension : réinstallez l'extension.</translation>
        </message>
        <message>
            <location filename="../gui/dock.py" line="188" />
            <source>The pixel explanation tool is not available ({0}).</source>
            <translation>L'outil d'explication d'un pixel n'est pas disponible ({0}).</translation>
        </message>
        <message>
            <location filename="../gui/dock.py" line="199" />
            <source>The time series or the model changed: click a pixel to explain it.</source>
            <translation>La série temporelle ou le modèle a changé : cliquez sur un pixel pour l'expliquer.</translation>
        </message>
    </context>
    <context>
        <name>LandCoverXaiEngine</name>
        <message>
            <location filename="../processing_provider/base.py" line="82" />
            <source>Only for {archs} models.</source>
            <translation>Seulement pour les modèles {archs}.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>predicted class</source>
            <translation>classe prédite</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>class id</source>
            <translation>identifiant de classe</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>confidence (max class probability)</source>
            <translation>confiance (probabilité maximale d'une classe)</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>margin: top-1 minus top-2 class probability (0 = tie)</source>
            <translation>marge : probabilité de la 1re classe moins celle de la 2e (0 = égalité)</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>The model's probability of every class, one band per class (0..1).</source>
            <translation>La probabilité que le modèle donne à chaque classe, une bande par classe (0..1).</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>The class of each pixel (styled with the model's class names and colours) and its confidence, the highest class probability (0..1).</source>
            <translation>La classe de chaque pixel (avec les noms et les couleurs des classes du modèle) et sa confiance, la plus haute probabilité de classe (0..1).</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Per-pixel uncertainty of the class probabilities: normalised entropy (0 = certain, 1 = every class equally likely) and margin (top-1 minus top-2 probability; near 0 = the model hesitates between two classes).</source>
            <translation>Incertitude des probabilités de classe, pixel par pixel : entropie normalisée (0 = certain, 1 = toutes les classes également probables) et marge (probabilité de la 1re classe moins celle de la 2e ; proche de 0 = le modèle hésite entre deux classes).</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Per-pixel disagreement of the ensemble's members (normalised mutual information: 0 = all members agree, 1 = each is sure of another class); high where the pixel is unlike the training data. Only for ensemble models (more than one member).</source>
            <translation>Désaccord des membres de l'ensemble, pixel par pixel (information mutuelle normalisée : 0 = tous les membres sont d'accord, 1 = chacun est sûr d'une autre classe) ; élevé là où le pixel ne ressemble pas aux données d'entraînement. Seulement pour les modèles en ensemble (plus d'un membre).</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Grad-CAM on the last temporal convolution. Band 1, the heatmap, is a class evidence score: it follows the class logit (how strongly the model scores the class, in logit-like units), not a location of evidence, since each pixel is classified from its own series. The other bands are positions of the fused layer, not input dates (each position sees every date); as a date ranking they measure at random level (benchmarks/results/xai.md): for the dates that matter use Date occlusion or Shapley by date.</source>
            <translation>Grad-CAM sur la dernière convolution temporelle. La bande 1, la carte de chaleur, est un score de preuve de la classe : elle suit le logit de la classe (la force avec laquelle le modèle note la classe, en unités proches du logit), et non un lieu de la preuve, puisque chaque pixel est classé d'après sa propre série. Les autres bandes sont des positions de la couche fusionnée, pas les dates d'entrée (chaque position voit toutes les dates) ; pour classer les dates, elles ne font pas mieux que le hasard (benchmarks/results/xai.md) : pour les dates qui comptent, utilisez l'occlusion par date ou Shapley par date.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>The model's band gates: the weight its attention layer gives each spectral band in the forward pass, one band per spectral band. Not a measured importance: the gates barely vary between pixels and the layer after them absorbs a constant gain, and their ranking is not validated by band ablation (benchmarks/results/xai.md).</source>
            <translation>Les portes des bandes du modèle : le poids que sa couche d'attention donne à chaque bande spectrale lors du calcul, une bande par bande spectrale. Ce n'est pas une importance mesurée : les portes varient à peine d'un pixel à l'autre, la couche suivante absorbe un gain constant, et leur classement n'est pas confirmé par le retrait des bandes (benchmarks/results/xai.md).</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>GradientSHAP attribution of the target-class probability, summed over dates (one band per spectral band) and over bands (one band per date). Slow on a CPU (about 1,000 pixels per second): use it on a clip of the area of interest.</source>
            <translation>Attribution GradientSHAP de la probabilité de la classe cible, sommée sur les dates (une bande par bande spectrale) et sur les bandes (une bande par date). Lent sur un processeur (environ 1 000 pixels par seconde) : à utiliser sur un extrait de la zone d'intérêt.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Integrated Gradients of the target-class probability from the per-band training mean, summed over dates (one band per spectral band) and over bands (one band per date).</source>
            <translation>Gradients intégrés de la probabilité de la classe cible depuis la moyenne d'entraînement de chaque bande, sommés sur les dates (une bande par bande spectrale) et sur les bandes (une bande par date).</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Drop of the target-class probability when one observed date is removed and refilled by the engine's linear gap filling from the other observed dates: one band per date (probability units; 0 for dates that are not observations, e.g. masked as cloudy). One extra forward pass per observed date.</source>
            <translation>Baisse de la probabilité de la classe cible quand on retire une date observée, comblée par l'interpolation linéaire du moteur à partir des autres dates observées : une bande par date (en probabilité ; 0 pour les dates qui ne sont pas des observations, par exemple masquées comme nuageuses). Un calcul du modèle de plus par date observée.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Shapley value of each observed date for the target-class probability: a removed date is refilled by the engine's gap filling from the kept dates, all dates removed = a class-balanced background. Exact (2^T forward passes) up to 10 observed dates, else 32 sampled permutations with the standard error in the last band. One band per date (probability units; 0 for dates that are not observations).</source>
            <translation>Valeur de Shapley de chaque date observée pour la probabilité de la classe cible : une date retirée est comblée par l'interpolation du moteur à partir des dates gardées ; toutes les dates retirées = un fond équilibré entre les classes. Exacte (2^T calculs du modèle) jusqu'à 10 dates observées, sinon 32 permutations tirées au hasard, l'erreur type dans la dernière bande. Une bande par date (en probabilité ; 0 pour les dates qui ne sont pas des observations).</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Drop of the target-class probability when one spectral band is removed: its whole series replaced by that band in 8 real pixels of the stack spread over the predicted classes (averaged). One band per spectral band (probability units). 8 forward passes per band: use it on a clip.</source>
            <translation>Baisse de la probabilité de la classe cible quand on retire une bande spectrale : toute sa série remplacée par cette bande dans 8 vrais pixels de la pile répartis entre les classes prédites (en moyenne). Une bande par bande spectrale (en probabilité). 8 calculs du modèle par bande : à utiliser sur un extrait.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>First-order (linearised) estimate of Date occlusion: for each observed date, the gradient of the target-class probability times the change the removal makes (the date refilled by the engine's linear gap filling from the other observed dates). One forward and one backward pass for all dates instead of one forward pass per date; not the exact drop where the model is nonlinear. One band per date (probability units; 0 for dates that are not observations, e.g. masked as cloudy).</source>
            <translation>Estimation au premier ordre (linéarisée) de l'occultation des dates : pour chaque date observée, le gradient de la probabilité de la classe cible multiplié par le changement que produit le retrait (la date comblée par l'interpolation linéaire du moteur à partir des autres dates observées). Une passe avant et une passe arrière pour toutes les dates au lieu d'une passe avant par date ; ce n'est pas la baisse exacte là où le modèle est non linéaire. Une bande par date (en unités de probabilité ; 0 pour les dates qui ne sont pas des observations, p. ex. masquées comme nuageuses).</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>{date}: drop of {target} when this date is removed (refilled from the other observed dates)</source>
            <translation>{date} : baisse de {target} quand on retire cette date (comblée à partir des autres dates observées)</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>{date}: first-order estimate of the drop of {target} when this date is removed (refilled from the other observed dates)</source>
            <translation>{date} : estimation au premier ordre de la baisse de {target} quand on retire cette date (comblée à partir des autres dates observées)</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>{date}: Shapley value of this date for {target}</source>
            <translation>{date} : valeur de Shapley de cette date pour {target}</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>{band}: drop of {target} when this band is replaced by real background pixels'</source>
            <translation>{band} : baisse de {target} quand cette bande est remplacée par celle de vrais pixels de fond</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>GradientSHAP {band} (sum over dates) of {target}</source>
            <translation>GradientSHAP {band} (somme sur les dates) de {target}</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Integrated Gradients {band} (sum over dates) of {target}</source>
            <translation>Gradients intégrés {band} (somme sur les dates) de {target}</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Grad-CAM class evidence score of {target} (logit-like, not a location of evidence)</source>
            <translation>Grad-CAM : score de preuve de {target} (proche du logit, pas un lieu de la preuve)</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Grad-CAM fused-layer position at {date} (not the input date: the layer sees every date), {target}</source>
            <translation>Grad-CAM, position de la couche fusionnée au {date} (pas la date d'entrée : la couche voit toutes les dates), {target}</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>band gate {band}</source>
            <translation>porte de la bande {band}</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>P({name}) class {id}</source>
            <translation>P({name}) classe {id}</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>P({target})</source>
            <translation>P({target})</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>class {id} ({name})</source>
            <translation>classe {id} ({name})</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>normalised entropy of the {n} class probabilities (0 certain .. 1 uniform)</source>
            <translation>entropie normalisée des {n} probabilités de classe (0 certain .. 1 uniforme)</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>disagreement of the {n} ensemble members (normalised mutual information, 0 agree .. 1 each sure of another class)</source>
            <translation>désaccord des {n} membres de l'ensemble (information mutuelle normalisée, 0 d'accord .. 1 chacun sûr d'une autre classe)</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>exact ({n} coalitions of {g} dates)</source>
            <translation>exactes ({n} coalitions de {g} dates)</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>exact ({n} coalitions of {g} bands)</source>
            <translation>exactes ({n} coalitions de {g} bandes)</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>sampled ({n} permutations)</source>
            <translation>échantillonnées ({n} permutations)</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Kernel SHAP ({n} samples)</source>
            <translation>Kernel SHAP ({n} tirages)</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>deletion ({op} removal) {d} not below random {r} at p &lt; {p} (p {q})</source>
            <translation>retrait (par la {op}) {d} pas sous le hasard {r} à p &lt; {p} (p {q})</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>insertion ({op}) {d} not above random {r} at p &lt; {p} (p {q})</source>
            <translation>insertion ({op}) {d} pas au-dessus du hasard {r} à p &lt; {p} (p {q})</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>survives weight randomisation (final Spearman {m})</source>
            <translation>résiste au brouillage des poids (Spearman final {m})</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>pointing game {g} on planted data (&lt; {m})</source>
            <translation>jeu du pointage {g} sur données plantées (&lt; {m})</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>{c} of its relevance on the two cloud-masked dates</source>
            <translation>{c} de sa pertinence sur les deux dates masquées (nuages)</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>deletion {d} vs random {r}</source>
            <translation>retrait {d} contre hasard {r}</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>pointing game {g}</source>
            <translation>jeu du pointage {g}</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>randomisation {m}</source>
            <translation>brouillage {m}</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>passes:</source>
            <translation>réussi :</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>fails:</source>
            <translation>échoue :</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>mean</source>
            <translation>moyenne</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>The map has no usable CRS: areas are given in pixels, not hectares.</source>
            <translation>La carte n'a pas de SCR utilisable : les surfaces sont données en pixels, pas en hectares.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>The class field holds text and the map carries no class names: field classes were numbered 1..K in alphabetical order (as training does) and compared with the map's ids.</source>
            <translation>Le champ de classe contient du texte et la carte ne porte aucun nom de classe : les classes du terrain ont été numérotées 1..K dans l'ordre alphabétique (comme à l'entraînement) et comparées aux identifiants de la carte.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>No sample where both reference and map have a class: nothing to assess.</source>
            <translation>Aucun échantillon où la référence et la carte ont toutes deux une classe : rien à évaluer.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Kappa is undefined: reference and map both hold a single class.</source>
            <translation>Le kappa n'est pas défini : la référence et la carte n'ont chacune qu'une seule classe.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Area-adjusted estimates are not available: the map has no classified area.</source>
            <translation>Les estimations ajustées des surfaces ne sont pas disponibles : la carte n'a aucune surface classée.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Every validation feature ({count}) belongs to the model's training data ({where}): these figures measure how well the model fits its training polygons, not its accuracy. Validate with field data kept out of training (e.g. a held-out set of polygons).</source>
            <translation>Toutes les entités de validation ({count}) font partie des données d'entraînement du modèle ({where}) : ces chiffres mesurent à quel point le modèle colle à ses polygones d'entraînement, pas sa précision. Validez avec des données de terrain tenues à l'écart de l'entraînement (p. ex. un jeu de polygones mis de côté).</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>{shared} of {count} validation features ({share}) belong to the model's training data ({where}): the figures are optimistic. Validate with field data kept out of training (e.g. a held-out set of polygons).</source>
            <translation>{shared} des {count} entités de validation ({share}) font partie des données d'entraînement du modèle ({where}) : les chiffres sont optimistes. Validez avec des données de terrain tenues à l'écart de l'entraînement (p. ex. un jeu de polygones mis de côté).</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Every validation pixel ({count}) was a training pixel of the model ({where}): these figures measure how well the model fits its training data, not its accuracy. Validate with field data kept out of training (e.g. a held-out set of polygons).</source>
            <translation>Tous les pixels de validation ({count}) étaient des pixels d'entraînement du modèle ({where}) : ces chiffres mesurent à quel point le modèle colle à ses données d'entraînement, pas sa précision. Validez avec des données de terrain tenues à l'écart de l'entraînement (p. ex. un jeu de polygones mis de côté).</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>{shared} of {count} validation pixels ({share}) were training pixels of the model ({where}): the figures are optimistic. Validate with field data kept out of training (e.g. a held-out set of polygons).</source>
            <translation>{shared} des {count} pixels de validation ({share}) étaient des pixels d'entraînement du modèle ({where}) : les chiffres sont optimistes. Validez avec des données de terrain tenues à l'écart de l'entraînement (p. ex. un jeu de polygones mis de côté).</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>{n} labelled pixel(s) fall on map no-data and are not compared.</source>
            <translation>{n} pixel(s) étiqueté(s) tombent sur le « no-data » de la carte et ne sont pas comparés.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Field classes not named in the map: {names}. Each got its own id, so its pixels count as errors; fix the spelling in the field data if they mean a map class.</source>
            <translation>Classes du terrain absentes des noms de la carte : {names}. Chacune a reçu son propre identifiant, ses pixels comptent donc comme des erreurs ; corrigez l'orthographe dans les données de terrain s'il s'agit d'une classe de la carte.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>{name} ({id}) is mapped but absent from the reference: its producer's accuracy is not available.</source>
            <translation>{name} ({id}) est cartographiée mais absente de la référence : sa précision producteur n'est pas disponible.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>{name} ({id}) is in the reference but never mapped: its user's accuracy is not available.</source>
            <translation>{name} ({id}) est dans la référence mais jamais cartographiée : sa précision utilisateur n'est pas disponible.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Mapped area given for ids {ids} that are not among the assessed classes: ignored.</source>
            <translation>Surface cartographiée donnée pour les identifiants {ids}, qui ne sont pas parmi les classes évaluées : ignorée.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Map class {name} ({id}) covers {area} {unit} but has no reference sample: that area is left out of the area-adjusted estimates.</source>
            <translation>La classe de la carte {name} ({id}) couvre {area} {unit} mais n'a aucun échantillon de référence : cette surface est exclue des estimations ajustées.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Map class {name} ({id}) has reference samples but no mapped area: it carries no weight in the area-adjusted estimates.</source>
            <translation>La classe de la carte {name} ({id}) a des échantillons de référence mais aucune surface cartographiée : elle ne pèse rien dans les estimations ajustées.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>Map class(es) {listed} have a single reference sample: standard errors and confidence intervals cannot be estimated (shown as not available).</source>
            <translation>Classe(s) de la carte {listed} avec un seul échantillon de référence : erreurs types et intervalles de confiance impossibles à estimer (indiqués comme non disponibles).</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>{size} ha per pixel</source>
            <translation>{size} ha par pixel</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>cell area per row on the authalic sphere (geographic CRS)</source>
            <translation>surface des cellules par ligne sur la sphère authalique (SCR géographique)</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>1 pixel</source>
            <translation>1 pixel</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>classification</source>
            <translation>classification</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>field data</source>
            <translation>données de terrain</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>class field</source>
            <translation>champ de classe</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>layer</source>
            <translation>couche</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>mapped area</source>
            <translation>surface cartographiée</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="125" />
            <source>band 1</source>
            <translation>bande 1</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="240" />
            <source>class {id}</source>
            <translation>classe {id}</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="226" />
            <source>Accuracy assessment</source>
            <translation>Évaluation de la précision</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>source</source>
            <translation>source</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>value</source>
            <translation>valeur</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>metric</source>
            <translation>mesure</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>Summary</source>
            <translation>Résumé</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>reference samples (pixels)</source>
            <translation>échantillons de référence (pixels)</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>overall accuracy</source>
            <translation>précision globale</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>Cohen's kappa (κ)</source>
            <translation>kappa de Cohen (κ)</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>macro-F1</source>
            <translation>macro-F1</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>area-adjusted overall accuracy (95 % CI)</source>
            <translation>précision globale ajustée des surfaces (IC à 95 %)</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="328" />
            <source>Confusion matrix</source>
            <translation>Matrice de confusion</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>Rows = reference (field data), columns = map. Pixel counts.</source>
            <translation>Lignes = référence (données de terrain), colonnes = carte. Nombres de pixels.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>reference \ map</source>
            <translation>référence \ carte</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="513" />
            <source>total</source>
            <translation>total</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>Per-class accuracy</source>
            <translation>Précision par classe</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>id</source>
            <translation>id</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="565" />
            <source>class</source>
            <translation>classe</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="538" />
            <source>reference pixels</source>
            <translation>pixels de référence</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="539" />
            <source>map pixels</source>
            <translation>pixels de la carte</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>producer's accuracy (recall)</source>
            <translation>précision producteur (rappel)</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>user's accuracy (precision)</source>
            <translation>précision utilisateur (précision)</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="538" />
            <source>F1</source>
            <translation>F1</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>Area-adjusted estimates (Olofsson et al. 2014)</source>
            <translation>Estimations ajustées des surfaces (Olofsson et al. 2014)</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="565" />
            <source>mapped area ({unit})</source>
            <translation>surface cartographiée ({unit})</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>estimated area ({unit})</source>
            <translation>surface estimée ({unit})</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>95 % CI</source>
            <translation>IC à 95 %</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>user's accuracy ± 95 %</source>
            <translation>précision utilisateur ± 95 %</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>producer's accuracy ± 95 %</source>
            <translation>précision producteur ± 95 %</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>{area} {unit} of mapped area lie in classes without any reference pixel and are not covered by these estimates.</source>
            <translation>{area} {unit} de surface cartographiée se trouvent dans des classes sans aucun pixel de référence et ne sont pas couverts par ces estimations.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>Notes</source>
            <translation>Remarques</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>How to read this</source>
            <translation>Comment lire ces chiffres</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>&lt;b&gt;Producer's accuracy&lt;/b&gt; (recall): of the field-data pixels of a class, the share the map got right (read along a row). Low = the map misses that class (omission).</source>
            <translation>&lt;b&gt;Précision producteur&lt;/b&gt; (rappel) : parmi les pixels de terrain d'une classe, la part que la carte classe correctement (lecture le long d'une ligne). Faible = la carte manque cette classe (omission).</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>&lt;b&gt;User's accuracy&lt;/b&gt; (precision): of the pixels the map puts in a class, the share that really are that class (read down a column). Low = the map over-paints it (commission).</source>
            <translation>&lt;b&gt;Précision utilisateur&lt;/b&gt; (précision) : parmi les pixels que la carte met dans une classe, la part qui appartient vraiment à cette classe (lecture le long d'une colonne). Faible = la carte en met trop (commission).</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>&lt;b&gt;F1&lt;/b&gt; balances the two; &lt;b&gt;macro-F1&lt;/b&gt; averages it over classes, so rare classes count as much as common ones. With imbalanced classes, overall accuracy alone flatters the map: look at κ and macro-F1 too.</source>
            <translation>&lt;b&gt;F1&lt;/b&gt; équilibre les deux ; &lt;b&gt;macro-F1&lt;/b&gt; en fait la moyenne sur les classes, si bien que les classes rares comptent autant que les fréquentes. Avec des classes déséquilibrées, la précision globale seule flatte la carte : regardez aussi κ et macro-F1.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>&lt;b&gt;Area-adjusted estimates&lt;/b&gt; correct the mapped area of each class for the errors seen in the reference data, weighting each map class by its share of the map (Olofsson et al. 2014, Remote Sensing of Environment 148: 42–57). They assume the reference pixels are a random sample within each map class; hand-drawn field polygons are not, and neighbouring pixels are not independent, so treat the confidence intervals as optimistic.</source>
            <translation>Les &lt;b&gt;estimations ajustées des surfaces&lt;/b&gt; corrigent la surface cartographiée de chaque classe des erreurs observées dans les données de référence, en pondérant chaque classe de la carte par sa part de la carte (Olofsson et al. 2014, « Remote Sensing of Environment » 148 : 42–57). Elles supposent que les pixels de référence sont un échantillon aléatoire dans chaque classe de la carte ; des polygones de terrain dessinés à la main ne le sont pas, et des pixels voisins ne sont pas indépendants : tenez les intervalles de confiance pour optimistes.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>n/a</source>
            <translation>n.d.</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>pixels</source>
            <translation>pixels</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>map</source>
            <translation>carte</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>reference (field data)</source>
            <translation>référence (données de terrain)</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>Confusion matrix, n = {n}, OA = {oa}</source>
            <translation>Matrice de confusion, n = {n}, PG = {oa}</translation>
        </message>
        <message>
            <location filename="../gui/i18n.py" line="249" />
            <source>share of the reference class (row)</source>
            <translation>part de la classe de référence (ligne)</translation>
        </message>
    </context>
    <context>
        <name>LandCoverXaiFeedback</name>
        <message>
            <location filename="../gui/feedback.py" line="35" />
            <source>Unexpected error ({kind}: {error}). The details are in the log panel 'Land Cover XAI'; please report them with 'Copy diagnostics'.</source>
            <translation>Erreur inattendue ({kind} : {error}). Les détails sont dans le panneau de journal « Land Cover XAI » ; merci de les signaler avec « Copier le diagnostic ».</translation>
        </message>
    </context>
    <context>
        <name>LandCoverXaiLayerSources</name>
        <message>
            <location filename="../gui/layer_sources.py" line="56" />
            <source>Choose a valid raster layer.</source>
            <translation>Choisissez une couche raster valide.</translation>
        </message>
        <message>
            <location filename="../gui/layer_sources.py" line="62" />
            <source>Layer '{name}' is not a raster file on disk (it comes from {source}): save it as a GeoTIFF (Export &gt; Save As…) and choose that layer.</source>
            <translation>La couche « {name} » n'est pas un fichier raster sur disque (elle vient de {source}) : enregistrez-la en GeoTIFF (Exporter &gt; Enregistrer sous…) et choisissez cette couche.</translation>
        </message>
        <message>
            <location filename="../gui/layer_sources.py" line="84" />
            <source>Choose a valid field-data layer (polygons or points).</source>
            <translation>Choisissez une couche de données terrain valide (polygones ou points).</translation>
        </message>
        <message>
            <location filename="../gui/layer_sources.py" line="86" />
            <source>Layer '{name}' holds neither polygons nor points: choose field data with polygons or points.</source>
            <translation>La couche « {name} » ne contient ni polygones ni points : choisissez des données terrain en polygones ou en points.</translation>
        </message>
        <message>
            <location filename="../gui/layer_sources.py" line="102" />
            <source>Layer '{name}' cannot be written to a temporary GeoPackage ({error}).</source>
            <translation>La couche « {name} » ne peut pas être écrite dans un GeoPackage temporaire ({error}).</translation>
        </message>
        <message>
            <location filename="../gui/layer_sources.py" line="144" />
            <source>{dates} dates × {bands} bands, {w} × {h} pixels, {crs}</source>
            <translation>{dates} dates × {bands} bandes, {w} × {h} pixels, {crs}</translation>
        </message>
        <message>
            <location filename="../gui/layer_sources.py" line="149" />
            <source>cloudy according to the metadata: {dates}</source>
            <translation>nuageuses d'après les métadonnées : {dates}</translation>
        </message>
    </context>
    <context>
        <name>LandCoverXaiLayers</name>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="257" />
            <source>Class map</source>
            <translation>Carte des classes</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>Confidence</source>
            <translation>Confiance</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>Class probabilities</source>
            <translation>Probabilités des classes</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>Uncertainty: entropy</source>
            <translation>Incertitude : entropie</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>Uncertainty: margin</source>
            <translation>Incertitude : marge</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>Grad-CAM class evidence score</source>
            <translation>Grad-CAM : score de preuve de la classe</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>Band gates (attention)</source>
            <translation>Portes des bandes (attention)</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>SHAP by band</source>
            <translation>SHAP par bande</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>SHAP by date</source>
            <translation>SHAP par date</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>Integrated Gradients by band</source>
            <translation>Gradients intégrés par bande</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>Integrated Gradients by date</source>
            <translation>Gradients intégrés par date</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>Per-class probabilities</source>
            <translation>Probabilités par classe</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>Uncertainty (entropy and margin)</source>
            <translation>Incertitude (entropie et marge)</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>GradientSHAP</source>
            <translation>GradientSHAP</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>Integrated Gradients</source>
            <translation>Gradients intégrés</translation>
        </message>
        <message>
            <location filename="../gui/panels/classify_panel.py" line="223" />
            <source>Class map and confidence</source>
            <translation>Carte des classes et confiance</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>Date occlusion</source>
            <translation>Occlusion par date</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>Date occlusion (drop of probability)</source>
            <translation>Occlusion par date (baisse de probabilité)</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>Shapley by date</source>
            <translation>Shapley par date</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>Band occlusion</source>
            <translation>Occlusion par bande</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>Band occlusion (drop of probability)</source>
            <translation>Occlusion par bande (baisse de probabilité)</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>Date occlusion (linearised, fast)</source>
            <translation>Occlusion par date (linéarisée, rapide)</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="82" />
            <source>Date occlusion, linearised (estimated drop of probability)</source>
            <translation>Occlusion par date, linéarisée (baisse de probabilité estimée)</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="100" />
            <source>(predicted class)</source>
            <translation>(classe prédite)</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="102" />
            <source>(class {0})</source>
            <translation>(classe {0})</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="130" />
            <source>fails its quality check</source>
            <translation>échoue à son contrôle de qualité</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="113" />
            <source>Quality not measured for this model (make bench-xai stores the verdicts in a model file).</source>
            <translation>Qualité non mesurée pour ce modèle (make bench-xai enregistre les verdicts dans un fichier de modèle).</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="119" />
            <source>Fails its quality check: {0}</source>
            <translation>Échoue à son contrôle de qualité : {0}</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="120" />
            <source>Measured quality: {0}</source>
            <translation>Qualité mesurée : {0}</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="126" />
            <source>(slow)</source>
            <translation>(lent)</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="131" />
            <source>passes its quality check</source>
            <translation>réussit son contrôle de qualité</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="146" />
            <source>Colours: stretched over the 2nd to 98th percentile of the valid values (a few extreme pixels do not wash the map out); the legend says what higher values mean.</source>
            <translation>Couleurs : étirées du 2e au 98e centile des valeurs valides (quelques pixels extrêmes ne délavent pas la carte) ; la légende dit ce que signifient les valeurs élevées.</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="149" />
            <source>Bands: {0}</source>
            <translation>Bandes : {0}</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="315" />
            <source>the class</source>
            <translation>la classe</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="318" />
            <source>the date</source>
            <translation>la date</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="318" />
            <source>the band</source>
            <translation>la bande</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="320" />
            <source>no evidence for {0}</source>
            <translation>aucun indice pour {0}</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="320" />
            <source>higher = stronger evidence for {0} (class evidence score, logit-like)</source>
            <translation>plus haut = indices plus forts pour {0} (score d'indice de classe, de type logit)</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="323" />
            <source>removing {0} raised P({1})</source>
            <translation>retirer {0} a fait monter P({1})</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="482" />
            <source>no effect</source>
            <translation>sans effet</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="323" />
            <source>higher = {0} raised P({1}) (drop of probability when removed)</source>
            <translation>plus haut = {0} a fait monter P({1}) (baisse de probabilité quand on la retire)</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="326" />
            <source>{0} lowered P({1})</source>
            <translation>{0} a fait baisser P({1})</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="326" />
            <source>higher = {0} raised P({1}) (probability)</source>
            <translation>plus haut = {0} a fait monter P({1}) (probabilité)</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="329" />
            <source>band shut out</source>
            <translation>bande fermée</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="329" />
            <source>higher = the model lets the band through (gate 0..1)</source>
            <translation>plus haut = le modèle laisse passer la bande (porte 0..1)</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="331" />
            <source>unsure</source>
            <translation>incertain</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="331" />
            <source>higher = the model is surer of its class (max probability)</source>
            <translation>plus haut = le modèle est plus sûr de sa classe (probabilité maximale)</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="333" />
            <source>unlikely</source>
            <translation>peu probable</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="333" />
            <source>higher = more probable (probability 0..1)</source>
            <translation>plus haut = plus probable (probabilité 0..1)</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="335" />
            <source>certain</source>
            <translation>certain</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="335" />
            <source>higher = more uncertain (normalised entropy 0..1)</source>
            <translation>plus haut = plus incertain (entropie normalisée 0..1)</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="337" />
            <source>two classes tie</source>
            <translation>deux classes à égalité</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="337" />
            <source>higher = clearer lead of the first class (margin 0..1)</source>
            <translation>plus haut = avance plus nette de la première classe (marge 0..1)</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="339" />
            <source>members agree</source>
            <translation>les membres sont d'accord</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="339" />
            <source>higher = the ensemble's members disagree more</source>
            <translation>plus haut = les membres de l'ensemble sont plus en désaccord</translation>
        </message>
        <message>
            <location filename="../gui/layers.py" line="340" />
            <source>higher = more</source>
            <translation>plus haut = plus</translation>
        </message>
    </context>
    <context>
        <name>LandCoverXaiPresenter</name>
        <message>
            <location filename="../gui/presenter/window.py" line="726" />
            <source>The bundled sample is missing from the plugin folder: reinstall the plugin.</source>
            <translation>L'exemple fourni est absent du dossier de l'extension : réinstallez l'extension.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="482" />
            <source>no effect</source>
            <translation>sans effet</translation>
        </message>
        <message>
            <location filename="../gui/presenter/story.py" line="27" />
            <source>the blue light</source>
            <translation>la lumière bleue</translation>
        </message>
        <message>
            <location filename="../gui/presenter/story.py" line="27" />
            <source>the green light</source>
            <translation>la lumière verte</translation>
        </message>
        <message>
            <location filename="../gui/presenter/story.py" line="27" />
            <source>the red light</source>
            <translation>la lumière rouge</translation>
        </message>
        <message>
            <location filename="../gui/presenter/story.py" line="28" />
            <source>the red edge, just before the infrared</source>
            <translation>le bord du rouge, juste avant l'infrarouge</translation>
        </message>
        <message>
            <location filename="../gui/presenter/story.py" line="29" />
            <source>the near infrared (which plants reflect strongly)</source>
            <translation>le proche infrarouge (que les plantes renvoient fortement)</translation>
        </message>
        <message>
            <location filename="../gui/presenter/story.py" line="30" />
            <source>the short-wave infrared (which sees water in plants and soil)</source>
            <translation>l'infrarouge moyen (qui voit l'eau des plantes et du sol)</translation>
        </message>
        <message>
            <location filename="../gui/presenter/story.py" line="40" />
            <source>{0} and {1}</source>
            <translation>{0} et {1}</translation>
        </message>
        <message>
            <location filename="../gui/presenter/story.py" line="53" />
            <source>Here the model hesitates, but leans towards: {0}.</source>
            <translation>Ici, le modèle hésite, mais penche pour : {0}.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/story.py" line="54" />
            <source>Here the model sees: {0}.</source>
            <translation>Ici, le modèle voit : {0}.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/story.py" line="61" />
            <source>It relied mostly on {0}.</source>
            <translation>Il a surtout regardé {0}.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/story.py" line="63" />
            <source>The image that mattered most was taken on {0}.</source>
            <translation>L'image qui a le plus compté a été prise le {0}.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/story.py" line="65" />
            <source>The images that mattered most were taken on {0}.</source>
            <translation>Les images qui ont le plus compté datent du {0}.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/story.py" line="68" />
            <source>No single image decided it: without any one of them, the others tell the same.</source>
            <translation>Aucune image n'a décidé seule : sans l'une d'elles, les autres disent la même chose.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/story.py" line="70" />
            <source>Careful: the cloudy images counted too.</source>
            <translation>Attention : les images nuageuses ont compté aussi.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/story.py" line="70" />
            <source>The cloudy images did not count.</source>
            <translation>Les images nuageuses n'ont pas compté.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/story.py" line="73" />
            <source>Why? I cannot tell: the explanation of this model did not pass its quality check.</source>
            <translation>Pourquoi ? Je ne sais pas : l'explication de ce modèle n'a pas passé son contrôle de qualité.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/story.py" line="73" />
            <source>Why? I cannot tell: the explanation of this model has not been checked.</source>
            <translation>Pourquoi ? Je ne sais pas : l'explication de ce modèle n'a pas été vérifiée.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/story.py" line="77" />
            <source>Which images mattered, I cannot tell: that part of the explanation did not pass its quality check.</source>
            <translation>Quelles images ont compté, je ne peux pas le dire : cette partie de l'explication n'a pas passé son contrôle de qualité.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/story.py" line="77" />
            <source>Which images mattered, I cannot tell: that part of the explanation has not been checked.</source>
            <translation>Quelles images ont compté, je ne peux pas le dire : cette partie de l'explication n'a pas été vérifiée.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="140" />
            <source>Land Cover XAI: presenter mode</source>
            <translation>Land Cover XAI : mode présentateur</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="168" />
            <source>What does the computer see from space?</source>
            <translation>Que voit l'ordinateur depuis l'espace ?</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="171" />
            <source>Operator: leave</source>
            <translation>Opérateur : quitter</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="320" />
            <source>Photo</source>
            <translation>Photo</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="203" />
            <source>Map</source>
            <translation>Carte</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="203" />
            <source>Why?</source>
            <translation>Pourquoi ?</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="251" />
            <source>Play: guess!</source>
            <translation>Jouer : devinez !</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="267" />
            <source>Getting ready…</source>
            <translation>Préparation…</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="282" />
            <source>The demo cannot start on this computer. Operator: see the plugin's panel.</source>
            <translation>La démo ne peut pas démarrer sur cet ordinateur. Opérateur : voir le panneau de l'extension.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="299" />
            <source>The demo did not run. Operator: leave and see the plugin's panel.</source>
            <translation>La démo n'a pas tourné. Opérateur : quitter et voir le panneau de l'extension.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="655" />
            <source>Touch the map: the computer tells you what it sees there, and why.</source>
            <translation>Touchez la carte : l'ordinateur vous dit ce qu'il y voit, et pourquoi.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="399" />
            <source>{0} (cloudy)</source>
            <translation>{0} (nuageux)</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="471" />
            <source>What the computer recognises in each place:</source>
            <translation>Ce que l'ordinateur reconnaît à chaque endroit :</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="475" />
            <source>For the image of the chosen day: did it help the computer choose its answer?</source>
            <translation>L'image du jour choisi a-t-elle aidé l'ordinateur à choisir sa réponse ?</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="477" />
            <source>Careful: this map did not pass its quality check; read it with caution.</source>
            <translation>Attention : cette carte n'a pas passé son contrôle de qualité ; à lire avec prudence.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="479" />
            <source>This map has not been checked yet.</source>
            <translation>Cette carte n'a pas encore été vérifiée.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="481" />
            <source>helped</source>
            <translation>a aidé</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="483" />
            <source>pushed towards another answer</source>
            <translation>a poussé vers une autre réponse</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="485" />
            <source>The satellite image of the chosen day, in natural colours.</source>
            <translation>L'image satellite du jour choisi, en couleurs naturelles.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="514" />
            <source>That is outside the picture: touch the map.</source>
            <translation>C'est en dehors de l'image : touchez la carte.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="571" />
            <source>I could not look at that place: touch another one.</source>
            <translation>Je n'ai pas pu regarder cet endroit : touchez-en un autre.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="527" />
            <source>Let me look…</source>
            <translation>Je regarde…</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="553" />
            <source>Looking at one place</source>
            <translation>Regarder un endroit</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="736" />
            <source>Presenter</source>
            <translation>Présentateur</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="575" />
            <source>Each square: this place in the image of that day. Hatched: clouds. Underlined in gold: what mattered most.</source>
            <translation>Chaque carré : cet endroit sur l'image de ce jour. Hachuré : nuages. Souligné en or : ce qui a le plus compté.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="581" />
            <source>Well done!</source>
            <translation>Bravo !</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="581" />
            <source>Not quite!</source>
            <translation>Raté !</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="582" />
            <source>You said: {0}.</source>
            <translation>Vous avez dit : {0}.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="582" />
            <source>In the field, it really is: {0}.</source>
            <translation>Sur le terrain, c'est vraiment : {0}.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="620" />
            <source>Score: {0} / {1}</source>
            <translation>Score : {0} / {1}</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="631" />
            <source>What do you think is in the pink square?</source>
            <translation>À votre avis, qu'y a-t-il dans le carré rose ?</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="730" />
            <source>The bundled model cannot be read.</source>
            <translation>Le modèle fourni ne peut pas être lu.</translation>
        </message>
        <message>
            <location filename="../gui/presenter/window.py" line="734" />
            <source>{0} holds no demo run (class map and per-date explanation): run `make demo`.</source>
            <translation>{0} ne contient pas de démonstration (carte des classes et explication par date) : lancez `make demo`.</translation>
        </message>
    </context>
    <context>
        <name>LandCoverXaiProvider</name>
        <message>
            <location filename="../processing_provider/provider.py" line="29" />
            <source>Land Cover XAI (Sentinel-2 time series classification and explanation)</source>
            <translation>Land Cover XAI (classification et explication de séries temporelles Sentinel-2)</translation>
        </message>
    </context>
    <context>
        <name>LandCoverXaiTasks</name>
        <message>
            <location filename="../gui/tasks.py" line="92" />
            <source>{0}: cancelled, nothing was kept.</source>
            <translation>{0} : annulé, rien n'a été conservé.</translation>
        </message>
        <message>
            <location filename="../gui/tasks.py" line="98" />
            <source>{0} failed because of an internal error ({1}: {2}). The details are in the log panel 'Land Cover XAI'; please report them with 'Copy diagnostics'.</source>
            <translation>{0} a échoué à cause d'une erreur interne ({1} : {2}). Les détails sont dans le panneau de journal « Land Cover XAI » ; merci de les signaler avec « Copier le diagnostic ».</translation>
        </message>
        <message>
            <location filename="../gui/tasks.py" line="103" />
            <source>{0} stopped without a result. Run it again.</source>
            <translation>{0} s'est arrêté sans résultat. Relancez-le.</translation>
        </message>
        <message>
            <location filename="../gui/tasks.py" line="128" />
            <source>Land Cover XAI classification</source>
            <translation>Classification Land Cover XAI</translation>
        </message>
        <message>
            <location filename="../gui/tasks.py" line="149" />
            <source>Land Cover XAI training</source>
            <translation>Entraînement Land Cover XAI</translation>
        </message>
        <message>
            <location filename="../gui/tasks.py" line="171" />
            <source>Land Cover XAI validation</source>
            <translation>Validation Land Cover XAI</translation>
        </message>
    </context>
    <context>
        <name>LcxAlgorithm</name>
        <message>
            <location filename="../processing_provider/base.py" line="332" />
            <source>Sentinel-2 time series</source>
            <translation>Série temporelle Sentinel-2</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="334" />
            <source>Model file</source>
            <translation>Fichier du modèle</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="263" />
            <source>Land Cover XAI model (*.lcx)</source>
            <translation>Modèle Land Cover XAI (*.lcx)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="263" />
            <source>All files (*.*)</source>
            <translation>Tous les fichiers (*.*)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="335" />
            <source>Device</source>
            <translation>Processeur</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="275" />
            <source>Batch size (pixels; 0 = measured)</source>
            <translation>Taille de lot (pixels ; 0 = mesurée)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="281" />
            <source>Overwrite existing output files</source>
            <translation>Écraser les fichiers de sortie existants</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="299" />
            <source>Target class ('predicted', a class id or a class name)</source>
            <translation>Classe cible (« predicted », un identifiant ou un nom de classe)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="306" />
            <source>Method</source>
            <translation>Méthode</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="332" />
            <source>the raster file, with the bands the model was trained on and dates that cover its season.</source>
            <translation>le fichier raster, avec les bandes sur lesquelles le modèle a été entraîné et des dates qui couvrent sa saison.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="334" />
            <source>a .lcx file written by 'Train a land cover model'.</source>
            <translation>un fichier .lcx écrit par « Entraîner un modèle d'occupation du sol ».</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="335" />
            <source>(auto: the GPU when torch sees one).</source>
            <translation>(auto : le GPU quand torch en voit un).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="336" />
            <source>Batch size</source>
            <translation>Taille de lot</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="336" />
            <source>(advanced) pixels per batch; 0 = measured on this machine.</source>
            <translation>(avancé) pixels par lot ; 0 = mesurée sur cette machine.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="226" />
            <source>Accuracy assessment</source>
            <translation>Évaluation de la précision</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="117" />
            <source>By name: {0}; or by index 0..{1}.</source>
            <translation>Par nom : {0} ; ou par indice 0..{1}.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="160" />
            <source>a folder</source>
            <translation>un dossier</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="162" />
            <source>a FIFO (named pipe)</source>
            <translation>un tube nommé (FIFO)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="164" />
            <source>a device</source>
            <translation>un périphérique</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="166" />
            <source>a socket</source>
            <translation>un socket</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="225" />
            <source>Classification</source>
            <translation>Classification</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="225" />
            <source>Explanation</source>
            <translation>Explication</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="246" />
            <source>Unexpected error: {0}: {1} (the log holds the details).</source>
            <translation>Erreur inattendue : {0} : {1} (le journal contient les détails).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="294" />
            <source>{0} exists already: choose another file name, or tick 'Overwrite existing output files' (OVERWRITE=true).</source>
            <translation>{0} existe déjà : choisissez un autre nom de fichier, ou cochez « Écraser les fichiers de sortie existants » (OVERWRITE=true).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="346" />
            <source>Choose a model file (.lcx), for example one written by 'Train a land cover model'.</source>
            <translation>Choisissez un fichier de modèle (.lcx), par exemple écrit par « Entraîner un modèle d'occupation du sol ».</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="348" />
            <source>The model must be a Land Cover XAI model file ending in .lcx; got {0}.</source>
            <translation>Le modèle doit être un fichier de modèle Land Cover XAI se terminant par .lcx ; reçu : {0}.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="352" />
            <source>The model {0} is {1}, not a regular file: choose a model file (.lcx).</source>
            <translation>Le modèle {0} est {1}, pas un fichier ordinaire : choisissez un fichier de modèle (.lcx).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="353" />
            <source>Model file not found: {0}. Check the path, or train a model first.</source>
            <translation>Fichier de modèle introuvable : {0}. Vérifiez le chemin, ou entraînez d'abord un modèle.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="374" />
            <source>{0}: the outputs are GeoTIFF files; give a file name ending in .tif ({1}).</source>
            <translation>{0} : les sorties sont des fichiers GeoTIFF ; donnez un nom de fichier se terminant par .tif ({1}).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="378" />
            <source>{0} and {1} point to the same file ({2}): give each output its own file.</source>
            <translation>{0} et {1} désignent le même fichier ({2}) : donnez à chaque sortie son propre fichier.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="392" />
            <source>{0} is a '{1}' layer; Land Cover XAI reads raster files (GeoTIFF, VRT, ...) with GDAL. Save the layer as a GeoTIFF first (Export &gt; Save As...) and use that file.</source>
            <translation>{0} est une couche « {1} » ; Land Cover XAI lit des fichiers raster (GeoTIFF, VRT…) avec GDAL. Enregistrez d'abord la couche en GeoTIFF (Exporter &gt; Enregistrer sous…) et utilisez ce fichier.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="443" />
            <source>Could not apply the style {0}: {1}</source>
            <translation>Impossible d'appliquer le style {0} : {1}</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="471" />
            <source>{0} pixels ({1} without enough observations) in {2:.1f} s on {3}, batch {4}</source>
            <translation>{0} pixels ({1} sans assez d'observations) en {2:.1f} s sur {3}, lot de {4}</translation>
        </message>
    </context>
    <context>
        <name>PixelExplainTool</name>
        <message>
            <location filename="../gui/pixel/pixel_tool.py" line="95" />
            <source>No time-series stack chosen: choose the Sentinel-2 stack in the Classify tab.</source>
            <translation>Aucune pile de série temporelle choisie : choisissez la pile Sentinel-2 dans l'onglet Classer.</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_tool.py" line="97" />
            <source>No model chosen: choose a model file (.lcx) in the Classify tab.</source>
            <translation>Aucun modèle choisi : choisissez un fichier de modèle (.lcx) dans l'onglet Classer.</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_tool.py" line="107" />
            <source>The clicked point cannot be transformed from {a} to the stack's CRS {b}: click on the stack.</source>
            <translation>Le point cliqué ne peut pas être transformé de {a} vers le SCR de la pile {b} : cliquez sur la pile.</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_tool.py" line="119" />
            <source>The clicked point ({x:.1f}, {y:.1f} in {crs}) lies outside the stack ({w} x {h} pixels, extent {extent}). Click inside the raster.</source>
            <translation>Le point cliqué ({x:.1f}, {y:.1f} en {crs}) est hors de la pile ({w} x {h} pixels, emprise {extent}). Cliquez à l'intérieur du raster.</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_tool.py" line="183" />
            <source>Explaining pixel row {row}, column {col}</source>
            <translation>Explication du pixel ligne {row}, colonne {col}</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_tool.py" line="307" />
            <source>Pixel explanation</source>
            <translation>Explication d'un pixel</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_tool.py" line="262" />
            <source>Explanation cancelled.</source>
            <translation>Explication annulée.</translation>
        </message>
    </context>
    <context>
        <name>PixelExplanationPanel</name>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="169" />
            <source>Shapley values</source>
            <translation>Valeurs de Shapley</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="171" />
            <source>{method} by band: effect on P({name})</source>
            <translation>{method} par bande : effet sur P({name})</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="173" />
            <source>{method} by date: effect on P({name})</source>
            <translation>{method} par date : effet sur P({name})</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="250" />
            <source>missing</source>
            <translation>manquante</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="252" />
            <source>cloudy {p:.0%}</source>
            <translation>nuageux {p:.0%}</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="254" />
            <source>bright: cloud?</source>
            <translation>clair : nuage ?</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="271" />
            <source>Class probabilities (predicted: {name})</source>
            <translation>Probabilités des classes (prédite : {name})</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="290" />
            <source>reflectance</source>
            <translation>réflectance</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="292" />
            <source>Reflectance (markers: observed, lines: gap-filled)</source>
            <translation>Réflectance (marqueurs : observée, lignes : comblée)</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="308" />
            <source>Grad-CAM not available for this model.</source>
            <translation>Grad-CAM n'est pas disponible pour ce modèle.</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="309" />
            <source>Grad-CAM by fused-layer position (not input dates) for {name}</source>
            <translation>Grad-CAM par position de la couche fusionnée (pas les dates d'entrée) pour {name}</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="319" />
            <source>Band attention (model weights per band)</source>
            <translation>Attention par bande (poids du modèle par bande)</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="321" />
            <source>Band attention exists only in attention models (this model: {arch}).</source>
            <translation>L'attention par bande n'existe que dans les modèles à attention (ce modèle : {arch}).</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="323" />
            <source>Band attention</source>
            <translation>Attention par bande</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="344" />
            <source>SHAP not computed.</source>
            <translation>SHAP non calculé.</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="401" />
            <source>Explain class:</source>
            <translation>Expliquer la classe :</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="404" />
            <source>Recompute Grad-CAM and SHAP for the predicted class or any other class.</source>
            <translation>Recalculer Grad-CAM et SHAP pour la classe prédite ou toute autre classe.</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="407" />
            <source>Save figure…</source>
            <translation>Enregistrer la figure…</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="409" />
            <source>Save the six plots as a PNG picture.</source>
            <translation>Enregistrer les six graphiques dans une image PNG.</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="472" />
            <source>Computing the explanation (Grad-CAM, attention, SHAP)…</source>
            <translation>Calcul de l'explication (Grad-CAM, attention, SHAP)…</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="487" />
            <source>Predicted class</source>
            <translation>Classe prédite</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="490" />
            <source>Predicted class ({name})</source>
            <translation>Classe prédite ({name})</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="515" />
            <source>Predicted: {name} (p = {p:.2f}). Explanations for: {target}.</source>
            <translation>Prédite : {name} (p = {p:.2f}). Explications pour : {target}.</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="519" />
            <source>No observation on {dates} (gap-filled).</source>
            <translation>Aucune observation le {dates} (valeurs comblées).</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="522" />
            <source>Cloudy scene on {dates} (stack metadata).</source>
            <translation>Scène nuageuse le {dates} (métadonnées de la pile).</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="552" />
            <source>Save the explanation as PNG</source>
            <translation>Enregistrer l'explication en PNG</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="552" />
            <source>PNG (*.png)</source>
            <translation>PNG (*.png)</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="562" />
            <source>Cannot write {path}: {error}</source>
            <translation>Impossible d'écrire {path} : {error}</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="580" />
            <source>Clicked {mx}, {my} ({mcrs}) → stack {sx}, {sy} ({scrs}); pixel row {row}, column {col}.</source>
            <translation>Clic en {mx}, {my} ({mcrs}) → pile {sx}, {sy} ({scrs}) ; pixel ligne {row}, colonne {col}.</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="584" />
            <source>Model: {model} · stack: {stack}</source>
            <translation>Modèle : {model} · pile : {stack}</translation>
        </message>
        <message>
            <location filename="../gui/pixel/pixel_plots.py" line="598" />
            <source>Land Cover XAI — pixel explanation</source>
            <translation>Land Cover XAI — explication d'un pixel</translation>
        </message>
    </context>
    <context>
        <name>TrainAlgorithm</name>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="62" />
            <source>Train a land cover model</source>
            <translation>Entraîner un modèle d'occupation du sol</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="65" />
            <source>Trains a neural network on a Sentinel-2 time series and field data; writes a .lcx model.</source>
            <translation>Entraîne un réseau de neurones sur une série temporelle Sentinel-2 et des données terrain ; écrit un modèle .lcx.</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="68" />
            <source>deep learning,training,sentinel-2,time series,attention,tempcnn,land cover</source>
            <translation>apprentissage profond,entraînement,sentinel-2,série temporelle,attention,tempcnn,occupation du sol</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="71" />
            <source>&lt;p&gt;Trains a pixel-wise land-cover classifier on a Sentinel-2 time series and field data, and writes it as a Land Cover XAI model file (.lcx) that holds the weights, class names and colours, bands, dates and scaling.&lt;/p&gt;&lt;p&gt;The labelled pixels are split by whole field polygons (spatial blocks where there are none), separated by a buffer, into training, validation (early stopping) and a held-out test; the test scores and their 95 % intervals are returned and stored in the model.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Sentinel-2 time series&lt;/b&gt;: one multi-band raster file whose band names give date and band (e.g. T1_2015-07-11_B04).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Field data&lt;/b&gt;: points or polygons in any CRS (reprojected and burnt onto the raster grid).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Class field&lt;/b&gt;: the field holding the class (numeric ids are kept; text gets ids 1..K in name order). Features with an empty class or 0 are ignored.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Architecture&lt;/b&gt;: the MLP ensemble (default: 5 series MLPs with a band gate, chosen by the accuracy benchmark; its members' disagreement is a Classify output), channel attention with squeeze-and-excitation or softmax band weights (explainable band by band), or TempCNN (Pelletier et al. 2019).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Epochs&lt;/b&gt;: maximum number of passes over the training pixels.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Mask cloudy dates&lt;/b&gt; (default on): a date whose declared cloud fraction (band metadata 'cloud_fraction') exceeds the &lt;b&gt;threshold&lt;/b&gt; (default 0.5) counts as missing and is filled in from the neighbouring dates by day; the model keeps the setting, so classifying masks the same way. A stack that declares no cloud fraction is used as it is.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Cloud / shadow masks&lt;/b&gt; (advanced): one mask raster per date, or one with a band per date, read with the &lt;b&gt;mask rule&lt;/b&gt; (Sentinel-2 SCL, Theia CLM / MG2, Fmask).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Temporal grid step&lt;/b&gt; (advanced): every N days over the season (0 = the stack's own dates); the model then runs on any stack covering its season.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Random seed&lt;/b&gt;, &lt;b&gt;Device&lt;/b&gt; (auto, cpu, cuda), &lt;b&gt;Spatial context&lt;/b&gt; (k x k pixels, odd), &lt;b&gt;Batch size&lt;/b&gt;, &lt;b&gt;Class name field&lt;/b&gt;: advanced options.&lt;/li&gt;&lt;/ul&gt;&lt;h3&gt;Outputs&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Model file&lt;/b&gt; (.lcx), for 'Classify land cover' and 'Explain land cover predictions'.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Training report&lt;/b&gt; (optional JSON): settings, per-epoch history, test scores.&lt;/li&gt;&lt;li&gt;Test overall accuracy, kappa and macro-F1 (numbers, NaN when there were too few blocks for a test set).&lt;/li&gt;&lt;/ul&gt;</source>
            <translation>&lt;p&gt;Entraîne un classifieur d'occupation du sol pixel par pixel sur une série temporelle Sentinel-2 et des données terrain, et l'écrit dans un fichier de modèle Land Cover XAI (.lcx) qui contient les poids, les noms et couleurs des classes, les bandes, les dates et la mise à l'échelle.&lt;/p&gt;&lt;p&gt;Les pixels étiquetés sont répartis par polygones terrain entiers (par blocs spatiaux s'il n'y en a pas), séparés par une zone tampon, entre entraînement, validation (arrêt anticipé) et un test mis de côté ; les scores de test et leurs intervalles à 95 % sont renvoyés et enregistrés dans le modèle.&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Série temporelle Sentinel-2&lt;/b&gt; : un raster multibande dont les noms de bandes donnent la date et la bande (p. ex. T1_2015-07-11_B04).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Données terrain&lt;/b&gt; : points ou polygones dans n'importe quel SCR (reprojetés et rastérisés sur la grille du raster).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Champ de classe&lt;/b&gt; : le champ qui porte la classe (les identifiants numériques sont conservés ; un texte reçoit les identifiants 1..K dans l'ordre des noms). Les entités sans classe ou de classe 0 sont ignorées.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Architecture&lt;/b&gt; : l'ensemble de MLP (par défaut : 5 MLP de séries avec une porte par bande, choisi par le banc d'essai de précision ; le désaccord entre ses membres est une sortie de Classer), l'attention par canal avec des poids de bande squeeze-and-excitation ou softmax (explicable bande par bande), ou TempCNN (Pelletier et al. 2019).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Époques&lt;/b&gt; : nombre maximal de passages sur les pixels d'entraînement.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Masquer les dates nuageuses&lt;/b&gt; (activé par défaut) : une date dont la fraction nuageuse déclarée (métadonnée de bande 'cloud_fraction') dépasse le &lt;b&gt;seuil&lt;/b&gt; (0,5 par défaut) compte comme manquante et est complétée jour par jour à partir des dates voisines ; le modèle garde ce réglage, la classification masque donc de la même façon. Une pile qui ne déclare aucune fraction nuageuse est utilisée telle quelle.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Masques nuages / ombres&lt;/b&gt; (avancé) : un raster de masque par date, ou un raster avec une bande par date, lu selon la &lt;b&gt;règle de masque&lt;/b&gt; (Sentinel-2 SCL, Theia CLM / MG2, Fmask).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Pas de la grille temporelle&lt;/b&gt; (avancé) : tous les N jours sur la saison (0 = les dates de la pile) ; le modèle tourne alors sur toute pile qui couvre sa saison.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Graine aléatoire&lt;/b&gt;, &lt;b&gt;Périphérique&lt;/b&gt; (auto, cpu, cuda), &lt;b&gt;Contexte spatial&lt;/b&gt; (k x k pixels, impair), &lt;b&gt;Taille de lot&lt;/b&gt;, &lt;b&gt;Champ de nom de classe&lt;/b&gt; : options avancées.&lt;/li&gt;&lt;/ul&gt;&lt;h3&gt;Sorties&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Fichier de modèle&lt;/b&gt; (.lcx), pour « Classer l'occupation du sol » et « Expliquer les prédictions d'occupation du sol ».&lt;/li&gt;&lt;li&gt;&lt;b&gt;Rapport d'entraînement&lt;/b&gt; (JSON facultatif) : réglages, historique par époque, scores de test.&lt;/li&gt;&lt;li&gt;Précision globale, kappa et macro-F1 du test (nombres, NaN quand il y avait trop peu de blocs pour un jeu de test).&lt;/li&gt;&lt;/ul&gt;</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="106" />
            <source>Sentinel-2 time series</source>
            <translation>Série temporelle Sentinel-2</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="107" />
            <source>Field data (points or polygons)</source>
            <translation>Données terrain (points ou polygones)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="110" />
            <source>Class field</source>
            <translation>Champ de classe</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="113" />
            <source>Architecture</source>
            <translation>Architecture</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="116" />
            <source>Epochs (maximum; training stops early when validation stops improving)</source>
            <translation>Époques (maximum ; l'entraînement s'arrête plus tôt quand la validation ne progresse plus)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="119" />
            <source>Mask cloudy dates (declared cloud fraction above the threshold)</source>
            <translation>Masquer les dates nuageuses (fraction nuageuse déclarée au-dessus du seuil)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="122" />
            <source>Cloud fraction threshold (0..1)</source>
            <translation>Seuil de fraction nuageuse (0..1)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="127" />
            <source>Cloud / shadow masks (one raster per date, or one band per date)</source>
            <translation>Masques nuages / ombres (un raster par date, ou une bande par date)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="130" />
            <source>Mask rule</source>
            <translation>Règle de masque</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="132" />
            <source>Temporal grid step in days (0 = the stack's own dates)</source>
            <translation>Pas de la grille temporelle en jours (0 = les dates de la pile)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="136" />
            <source>Random seed</source>
            <translation>Graine aléatoire</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="138" />
            <source>Device</source>
            <translation>Processeur</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="140" />
            <source>Spatial context (k x k pixels, odd; 1 = pixel)</source>
            <translation>Contexte spatial (k x k pixels, impair ; 1 = pixel seul)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="143" />
            <source>Batch size (pixels)</source>
            <translation>Taille de lot (pixels)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="146" />
            <source>Class name field (beside numeric class ids)</source>
            <translation>Champ des noms de classes (à côté des identifiants numériques)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="152" />
            <source>Model file</source>
            <translation>Fichier du modèle</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="152" />
            <source>Land Cover XAI model (*.lcx)</source>
            <translation>Modèle Land Cover XAI (*.lcx)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="154" />
            <source>Training report</source>
            <translation>Rapport d'entraînement</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="154" />
            <source>JSON files (*.json)</source>
            <translation>Fichiers JSON (*.json)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="158" />
            <source>Test overall accuracy</source>
            <translation>Précision globale (test)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="159" />
            <source>Test kappa</source>
            <translation>Kappa (test)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="160" />
            <source>Test macro-F1</source>
            <translation>Macro-F1 (test)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="164" />
            <source>Channel attention, squeeze-and-excitation (SE)</source>
            <translation>Attention par canal, squeeze-and-excitation (SE)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="165" />
            <source>Channel attention, softmax over bands</source>
            <translation>Attention par canal, softmax sur les bandes</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="166" />
            <source>TempCNN</source>
            <translation>TempCNN</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="167" />
            <source>MLP ensemble</source>
            <translation>Ensemble de MLP</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="169" />
            <source>(default)</source>
            <translation>(par défaut)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="177" />
            <source>The model file must end in .lcx; got {0}.</source>
            <translation>Le fichier du modèle doit se terminer par .lcx ; reçu : {0}.</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="180" />
            <source>The spatial context must be odd (1, 3, 5 ...); got {0}.</source>
            <translation>Le contexte spatial doit être impair (1, 3, 5…) ; reçu : {0}.</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="219" />
            <source>Training {0} ({1}) for up to {2} epochs on {3}</source>
            <translation>Entraînement de {0} ({1}) pendant au plus {2} époques sur {3}</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/train_algorithm.py" line="245" />
            <source>Model written: {0} (classes: {1}); held-out test OA {2:.3f}, kappa {3:.3f}, macro-F1 {4:.3f}</source>
            <translation>Modèle écrit : {0} (classes : {1}) ; test indépendant : PG {2:.3f}, kappa {3:.3f}, macro-F1 {4:.3f}</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="263" />
            <source>All files (*.*)</source>
            <translation>Tous les fichiers (*.*)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="275" />
            <source>Batch size (pixels; 0 = measured)</source>
            <translation>Taille de lot (pixels ; 0 = mesurée)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="281" />
            <source>Overwrite existing output files</source>
            <translation>Écraser les fichiers de sortie existants</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="299" />
            <source>Target class ('predicted', a class id or a class name)</source>
            <translation>Classe cible (« predicted », un identifiant ou un nom de classe)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="306" />
            <source>Method</source>
            <translation>Méthode</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="332" />
            <source>the raster file, with the bands the model was trained on and dates that cover its season.</source>
            <translation>le fichier raster, avec les bandes sur lesquelles le modèle a été entraîné et des dates qui couvrent sa saison.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="334" />
            <source>a .lcx file written by 'Train a land cover model'.</source>
            <translation>un fichier .lcx écrit par « Entraîner un modèle d'occupation du sol ».</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="335" />
            <source>(auto: the GPU when torch sees one).</source>
            <translation>(auto : le GPU quand torch en voit un).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="336" />
            <source>Batch size</source>
            <translation>Taille de lot</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="336" />
            <source>(advanced) pixels per batch; 0 = measured on this machine.</source>
            <translation>(avancé) pixels par lot ; 0 = mesurée sur cette machine.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="226" />
            <source>Accuracy assessment</source>
            <translation>Évaluation de la précision</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="117" />
            <source>By name: {0}; or by index 0..{1}.</source>
            <translation>Par nom : {0} ; ou par indice 0..{1}.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="160" />
            <source>a folder</source>
            <translation>un dossier</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="162" />
            <source>a FIFO (named pipe)</source>
            <translation>un tube nommé (FIFO)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="164" />
            <source>a device</source>
            <translation>un périphérique</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="166" />
            <source>a socket</source>
            <translation>un socket</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="225" />
            <source>Classification</source>
            <translation>Classification</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="225" />
            <source>Explanation</source>
            <translation>Explication</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="246" />
            <source>Unexpected error: {0}: {1} (the log holds the details).</source>
            <translation>Erreur inattendue : {0} : {1} (le journal contient les détails).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="294" />
            <source>{0} exists already: choose another file name, or tick 'Overwrite existing output files' (OVERWRITE=true).</source>
            <translation>{0} existe déjà : choisissez un autre nom de fichier, ou cochez « Écraser les fichiers de sortie existants » (OVERWRITE=true).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="346" />
            <source>Choose a model file (.lcx), for example one written by 'Train a land cover model'.</source>
            <translation>Choisissez un fichier de modèle (.lcx), par exemple écrit par « Entraîner un modèle d'occupation du sol ».</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="348" />
            <source>The model must be a Land Cover XAI model file ending in .lcx; got {0}.</source>
            <translation>Le modèle doit être un fichier de modèle Land Cover XAI se terminant par .lcx ; reçu : {0}.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="352" />
            <source>The model {0} is {1}, not a regular file: choose a model file (.lcx).</source>
            <translation>Le modèle {0} est {1}, pas un fichier ordinaire : choisissez un fichier de modèle (.lcx).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="353" />
            <source>Model file not found: {0}. Check the path, or train a model first.</source>
            <translation>Fichier de modèle introuvable : {0}. Vérifiez le chemin, ou entraînez d'abord un modèle.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="374" />
            <source>{0}: the outputs are GeoTIFF files; give a file name ending in .tif ({1}).</source>
            <translation>{0} : les sorties sont des fichiers GeoTIFF ; donnez un nom de fichier se terminant par .tif ({1}).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="378" />
            <source>{0} and {1} point to the same file ({2}): give each output its own file.</source>
            <translation>{0} et {1} désignent le même fichier ({2}) : donnez à chaque sortie son propre fichier.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="392" />
            <source>{0} is a '{1}' layer; Land Cover XAI reads raster files (GeoTIFF, VRT, ...) with GDAL. Save the layer as a GeoTIFF first (Export &gt; Save As...) and use that file.</source>
            <translation>{0} est une couche « {1} » ; Land Cover XAI lit des fichiers raster (GeoTIFF, VRT…) avec GDAL. Enregistrez d'abord la couche en GeoTIFF (Exporter &gt; Enregistrer sous…) et utilisez ce fichier.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="443" />
            <source>Could not apply the style {0}: {1}</source>
            <translation>Impossible d'appliquer le style {0} : {1}</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="471" />
            <source>{0} pixels ({1} without enough observations) in {2:.1f} s on {3}, batch {4}</source>
            <translation>{0} pixels ({1} sans assez d'observations) en {2:.1f} s sur {3}, lot de {4}</translation>
        </message>
    </context>
    <context>
        <name>TrainPanel</name>
        <message>
            <location filename="../gui/panels/train_panel.py" line="188" />
            <source>Train</source>
            <translation>Entraîner</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="107" />
            <source>Time series</source>
            <translation>Série temporelle</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="182" />
            <source>Land Cover XAI model (*.lcx)</source>
            <translation>Modèle Land Cover XAI (*.lcx)</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="177" />
            <source>Device</source>
            <translation>Processeur</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="191" />
            <source>Cancel</source>
            <translation>Annuler</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="59" />
            <source>Series MLP ensemble with a band gate</source>
            <translation>Ensemble de MLP de séries avec porte des bandes</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="61" />
            <source>Band attention (squeeze-and-excitation)</source>
            <translation>Attention par bande (squeeze-and-excitation)</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="63" />
            <source>Band attention (softmax over bands)</source>
            <translation>Attention par bande (softmax sur les bandes)</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="64" />
            <source>TempCNN (Pelletier et al. 2019)</source>
            <translation>TempCNN (Pelletier et al. 2019)</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="105" />
            <source>Choose the time-series raster(s)</source>
            <translation>Choisissez le ou les rasters de la série temporelle</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="106" />
            <source>One multi-band stack, or several single-date rasters of the same grid.</source>
            <translation>Une pile multibande, ou plusieurs rasters d'une seule date sur la même grille.</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="262" />
            <source>Field data</source>
            <translation>Données terrain</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="121" />
            <source>Field holding the class (numeric ids, or names).</source>
            <translation>Champ contenant la classe (identifiants numériques ou noms).</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="265" />
            <source>Class field</source>
            <translation>Champ de classe</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="127" />
            <source>Optional field with the class names beside numeric ids.</source>
            <translation>Champ facultatif avec les noms de classes à côté des identifiants numériques.</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="269" />
            <source>Class name field</source>
            <translation>Champ des noms de classes</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="135" />
            <source>Architecture</source>
            <translation>Architecture</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="141" />
            <source>Epochs</source>
            <translation>Époques</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="147" />
            <source>Seed</source>
            <translation>Graine</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="153" />
            <source>Mask cloudy dates</source>
            <translation>Masquer les dates nuageuses</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="156" />
            <source>A date whose declared cloud fraction exceeds the threshold counts as missing and is filled in from the neighbouring dates; the model keeps the setting. A stack that declares no cloud fraction is used as it is.</source>
            <translation>Une date dont la fraction nuageuse déclarée dépasse le seuil compte comme manquante et est complétée à partir des dates voisines ; le modèle garde ce réglage. Une pile qui ne déclare aucune fraction nuageuse est utilisée telle quelle.</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="166" />
            <source>Cloud fraction above which a date is masked (0..1)</source>
            <translation>Fraction nuageuse au-dessus de laquelle une date est masquée (0..1)</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="169" />
            <source>above</source>
            <translation>au-dessus de</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="171" />
            <source>Clouds</source>
            <translation>Nuages</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="176" />
            <source>automatic (GPU when available)</source>
            <translation>automatique (GPU si disponible)</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="184" />
            <source>Save model as</source>
            <translation>Enregistrer le modèle sous</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="218" />
            <source>Use this model in the Classify tab</source>
            <translation>Utiliser ce modèle dans l'onglet Classer</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="303" />
            <source>Choose the time-series raster layer(s) to train on.</source>
            <translation>Choisissez la ou les couches raster de la série temporelle pour l'entraînement.</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="373" />
            <source>Choose the field-data layer (polygons or points with a class field).</source>
            <translation>Choisissez la couche de données terrain (polygones ou points avec un champ de classe).</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="376" />
            <source>Choose the field that holds the class in layer '{name}'.</source>
            <translation>Choisissez le champ qui contient la classe dans la couche « {name} ».</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="316" />
            <source>Choose where to save the model (a .lcx file).</source>
            <translation>Choisissez où enregistrer le modèle (un fichier .lcx).</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="325" />
            <source>{path} is a file, not a folder: the model cannot be saved under it; choose another place for the model.</source>
            <translation>{path} est un fichier, pas un dossier : le modèle ne peut pas être enregistré dessous ; choisissez un autre emplacement pour le modèle.</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="327" />
            <source>The folder {folder} does not exist: choose another place for the model.</source>
            <translation>Le dossier {folder} n'existe pas : choisissez un autre emplacement pour le modèle.</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="360" />
            <source>Training on {n} raster(s); the model will be saved to {path}.</source>
            <translation>Entraînement sur {n} raster(s) ; le modèle sera enregistré dans {path}.</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="431" />
            <source>Training</source>
            <translation>Entraînement</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="376" />
            <source>Cancelling after the current batch…</source>
            <translation>Annulation après le lot en cours…</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="403" />
            <source>Model saved: {path}.</source>
            <translation>Modèle enregistré : {path}.</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="405" />
            <source>Test blocks: OA {oa:.3f}, macro-F1 {f1:.3f}, κ {kappa:.3f}.</source>
            <translation>Blocs de test : PG {oa:.3f}, macro-F1 {f1:.3f}, κ {kappa:.3f}.</translation>
        </message>
        <message>
            <location filename="../gui/panels/train_panel.py" line="422" />
            <source>Training cancelled: no model was written.</source>
            <translation>Entraînement annulé : aucun modèle n'a été écrit.</translation>
        </message>
    </context>
    <context>
        <name>ValidateAlgorithm</name>
        <message>
            <location filename="../processing_provider/algorithms/validate_algorithm.py" line="41" />
            <source>Validate a land cover map</source>
            <translation>Valider une carte d'occupation du sol</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/validate_algorithm.py" line="44" />
            <source>Confusion matrix, overall accuracy, kappa, per-class accuracy and area-adjusted estimates.</source>
            <translation>Matrice de confusion, précision globale, kappa, précision par classe et estimations ajustées des surfaces.</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/validate_algorithm.py" line="47" />
            <source>accuracy,validation,confusion matrix,kappa,f1,olofsson,field data</source>
            <translation>précision,validation,matrice de confusion,kappa,f1,olofsson,données terrain</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/validate_algorithm.py" line="50" />
            <source>&lt;p&gt;Compares a class map with field data: the field data are burnt onto the map's grid (any CRS), and every labelled pixel the map classifies is a sample.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Classification&lt;/b&gt;: a class raster, e.g. from 'Classify land cover'.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Field data&lt;/b&gt;: reference points or polygons, not used for training.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Class field&lt;/b&gt;: class ids matching the map, or class names matching the map's category names.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Class name field&lt;/b&gt; (advanced, optional): names for numeric ids.&lt;/li&gt;&lt;/ul&gt;&lt;h3&gt;Outputs&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Accuracy report&lt;/b&gt;: self-contained HTML page: confusion matrix (rows = reference), overall accuracy, Cohen's kappa, producer's / user's accuracy and F1 per class, area-adjusted accuracy and class areas with 95% confidence intervals (Olofsson et al. 2014).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Accuracy table&lt;/b&gt;: the same numbers as CSV.&lt;/li&gt;&lt;li&gt;Overall accuracy, kappa, macro-F1 and the number of samples, as numbers (for models and scripts).&lt;/li&gt;&lt;/ul&gt;</source>
            <translation>&lt;p&gt;Compare une carte des classes avec des données terrain : les données terrain sont rastérisées sur la grille de la carte (n'importe quel SCR), et chaque pixel étiqueté que la carte classe est un échantillon.&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Classification&lt;/b&gt; : un raster de classes, par ex. issu de « Classer l'occupation du sol ».&lt;/li&gt;&lt;li&gt;&lt;b&gt;Données terrain&lt;/b&gt; : points ou polygones de référence, non utilisés pour l'entraînement.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Champ de classe&lt;/b&gt; : identifiants de classe correspondant à la carte, ou noms de classes correspondant aux noms de catégories de la carte.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Champ des noms de classes&lt;/b&gt; (avancé, facultatif) : noms pour les identifiants numériques.&lt;/li&gt;&lt;/ul&gt;&lt;h3&gt;Sorties&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Rapport de précision&lt;/b&gt; : page HTML autonome : matrice de confusion (lignes = référence), précision globale, kappa de Cohen, précision producteur / utilisateur et F1 par classe, précision et surfaces des classes ajustées aux surfaces avec intervalles de confiance à 95 % (Olofsson et al. 2014).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Tableau de précision&lt;/b&gt; : les mêmes chiffres en CSV.&lt;/li&gt;&lt;li&gt;Précision globale, kappa, macro-F1 et nombre d'échantillons, sous forme de nombres (pour les modèles et les scripts).&lt;/li&gt;&lt;/ul&gt;</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/validate_algorithm.py" line="68" />
            <source>Classification</source>
            <translation>Classification</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/validate_algorithm.py" line="69" />
            <source>Field data (points or polygons)</source>
            <translation>Données terrain (points ou polygones)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/validate_algorithm.py" line="72" />
            <source>Class field</source>
            <translation>Champ de classe</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/validate_algorithm.py" line="74" />
            <source>Class name field</source>
            <translation>Champ des noms de classes</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/validate_algorithm.py" line="78" />
            <source>Accuracy report</source>
            <translation>Rapport de précision</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/validate_algorithm.py" line="78" />
            <source>HTML files (*.html)</source>
            <translation>Fichiers HTML (*.html)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/validate_algorithm.py" line="80" />
            <source>Accuracy table</source>
            <translation>Tableau de précision</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/validate_algorithm.py" line="80" />
            <source>CSV files (*.csv)</source>
            <translation>Fichiers CSV (*.csv)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/validate_algorithm.py" line="83" />
            <source>Overall accuracy</source>
            <translation>Précision globale</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/validate_algorithm.py" line="83" />
            <source>Kappa</source>
            <translation>Kappa</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/validate_algorithm.py" line="83" />
            <source>Macro-F1</source>
            <translation>Macro-F1</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/validate_algorithm.py" line="83" />
            <source>Number of samples (pixels)</source>
            <translation>Nombre d'échantillons (pixels)</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/validate_algorithm.py" line="83" />
            <source>Area-adjusted overall accuracy</source>
            <translation>Précision globale ajustée aux surfaces</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/validate_algorithm.py" line="95" />
            <source>The report and the table point to the same file: give each its own file.</source>
            <translation>Le rapport et le tableau désignent le même fichier : donnez à chacun son propre fichier.</translation>
        </message>
        <message>
            <location filename="../processing_provider/algorithms/validate_algorithm.py" line="143" />
            <source>{0} samples: overall accuracy {1:.3f}, kappa {2:.3f}, macro-F1 {3:.3f}</source>
            <translation>{0} échantillons : précision globale {1:.3f}, kappa {2:.3f}, macro-F1 {3:.3f}</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="332" />
            <source>Sentinel-2 time series</source>
            <translation>Série temporelle Sentinel-2</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="334" />
            <source>Model file</source>
            <translation>Fichier du modèle</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="263" />
            <source>Land Cover XAI model (*.lcx)</source>
            <translation>Modèle Land Cover XAI (*.lcx)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="263" />
            <source>All files (*.*)</source>
            <translation>Tous les fichiers (*.*)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="335" />
            <source>Device</source>
            <translation>Processeur</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="275" />
            <source>Batch size (pixels; 0 = measured)</source>
            <translation>Taille de lot (pixels ; 0 = mesurée)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="281" />
            <source>Overwrite existing output files</source>
            <translation>Écraser les fichiers de sortie existants</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="299" />
            <source>Target class ('predicted', a class id or a class name)</source>
            <translation>Classe cible (« predicted », un identifiant ou un nom de classe)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="306" />
            <source>Method</source>
            <translation>Méthode</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="332" />
            <source>the raster file, with the bands the model was trained on and dates that cover its season.</source>
            <translation>le fichier raster, avec les bandes sur lesquelles le modèle a été entraîné et des dates qui couvrent sa saison.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="334" />
            <source>a .lcx file written by 'Train a land cover model'.</source>
            <translation>un fichier .lcx écrit par « Entraîner un modèle d'occupation du sol ».</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="335" />
            <source>(auto: the GPU when torch sees one).</source>
            <translation>(auto : le GPU quand torch en voit un).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="336" />
            <source>Batch size</source>
            <translation>Taille de lot</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="336" />
            <source>(advanced) pixels per batch; 0 = measured on this machine.</source>
            <translation>(avancé) pixels par lot ; 0 = mesurée sur cette machine.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="226" />
            <source>Accuracy assessment</source>
            <translation>Évaluation de la précision</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="117" />
            <source>By name: {0}; or by index 0..{1}.</source>
            <translation>Par nom : {0} ; ou par indice 0..{1}.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="160" />
            <source>a folder</source>
            <translation>un dossier</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="162" />
            <source>a FIFO (named pipe)</source>
            <translation>un tube nommé (FIFO)</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="164" />
            <source>a device</source>
            <translation>un périphérique</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="166" />
            <source>a socket</source>
            <translation>un socket</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="225" />
            <source>Explanation</source>
            <translation>Explication</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="246" />
            <source>Unexpected error: {0}: {1} (the log holds the details).</source>
            <translation>Erreur inattendue : {0} : {1} (le journal contient les détails).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="294" />
            <source>{0} exists already: choose another file name, or tick 'Overwrite existing output files' (OVERWRITE=true).</source>
            <translation>{0} existe déjà : choisissez un autre nom de fichier, ou cochez « Écraser les fichiers de sortie existants » (OVERWRITE=true).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="346" />
            <source>Choose a model file (.lcx), for example one written by 'Train a land cover model'.</source>
            <translation>Choisissez un fichier de modèle (.lcx), par exemple écrit par « Entraîner un modèle d'occupation du sol ».</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="348" />
            <source>The model must be a Land Cover XAI model file ending in .lcx; got {0}.</source>
            <translation>Le modèle doit être un fichier de modèle Land Cover XAI se terminant par .lcx ; reçu : {0}.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="352" />
            <source>The model {0} is {1}, not a regular file: choose a model file (.lcx).</source>
            <translation>Le modèle {0} est {1}, pas un fichier ordinaire : choisissez un fichier de modèle (.lcx).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="353" />
            <source>Model file not found: {0}. Check the path, or train a model first.</source>
            <translation>Fichier de modèle introuvable : {0}. Vérifiez le chemin, ou entraînez d'abord un modèle.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="374" />
            <source>{0}: the outputs are GeoTIFF files; give a file name ending in .tif ({1}).</source>
            <translation>{0} : les sorties sont des fichiers GeoTIFF ; donnez un nom de fichier se terminant par .tif ({1}).</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="378" />
            <source>{0} and {1} point to the same file ({2}): give each output its own file.</source>
            <translation>{0} et {1} désignent le même fichier ({2}) : donnez à chaque sortie son propre fichier.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="392" />
            <source>{0} is a '{1}' layer; Land Cover XAI reads raster files (GeoTIFF, VRT, ...) with GDAL. Save the layer as a GeoTIFF first (Export &gt; Save As...) and use that file.</source>
            <translation>{0} est une couche « {1} » ; Land Cover XAI lit des fichiers raster (GeoTIFF, VRT…) avec GDAL. Enregistrez d'abord la couche en GeoTIFF (Exporter &gt; Enregistrer sous…) et utilisez ce fichier.</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="443" />
            <source>Could not apply the style {0}: {1}</source>
            <translation>Impossible d'appliquer le style {0} : {1}</translation>
        </message>
        <message>
            <location filename="../processing_provider/base.py" line="471" />
            <source>{0} pixels ({1} without enough observations) in {2:.1f} s on {3}, batch {4}</source>
            <translation>{0} pixels ({1} sans assez d'observations) en {2:.1f} s sur {3}, lot de {4}</translation>
        </message>
    </context>
    <context>
        <name>ValidatePanel</name>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="273" />
            <source>Validate</source>
            <translation>Valider</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="328" />
            <source>Confusion matrix</source>
            <translation>Matrice de confusion</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="513" />
            <source>total</source>
            <translation>total</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="565" />
            <source>class</source>
            <translation>classe</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="538" />
            <source>reference pixels</source>
            <translation>pixels de référence</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="539" />
            <source>map pixels</source>
            <translation>pixels de la carte</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="538" />
            <source>F1</source>
            <translation>F1</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="565" />
            <source>mapped area ({unit})</source>
            <translation>surface cartographiée ({unit})</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="257" />
            <source>Class map</source>
            <translation>Carte des classes</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="262" />
            <source>Field data</source>
            <translation>Données terrain</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="265" />
            <source>Class field</source>
            <translation>Champ de classe</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="269" />
            <source>Class name field</source>
            <translation>Champ des noms de classes</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="373" />
            <source>Choose the field-data layer (polygons or points with a class field).</source>
            <translation>Choisissez la couche de données terrain (polygones ou points avec un champ de classe).</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="376" />
            <source>Choose the field that holds the class in layer '{name}'.</source>
            <translation>Choisissez le champ qui contient la classe dans la couche « {name} ».</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="189" />
            <source>Confusion matrix — full size</source>
            <translation>Matrice de confusion — taille réelle</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="256" />
            <source>The classification raster (one band of class ids), e.g. prediction.tif.</source>
            <translation>Le raster de classification (une bande d'identifiants de classe), par exemple prediction.tif.</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="276" />
            <source>Export CSV…</source>
            <translation>Exporter en CSV…</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="279" />
            <source>Export HTML…</source>
            <translation>Exporter en HTML…</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="318" />
            <source>Click for the full size</source>
            <translation>Cliquez pour la taille réelle</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="322" />
            <source>Full size…</source>
            <translation>Taille réelle…</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="324" />
            <source>The matrix with the full class names and its picture, in a window</source>
            <translation>La matrice avec les noms de classe complets et son image, dans une fenêtre</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="330" />
            <source>Per class</source>
            <translation>Par classe</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="332" />
            <source>Areas</source>
            <translation>Surfaces</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="333" />
            <source>Area-adjusted estimates (Olofsson et al. 2014) with 95 % confidence intervals</source>
            <translation>Estimations ajustées aux surfaces (Olofsson et al. 2014) avec intervalles de confiance à 95 %</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="370" />
            <source>Choose the class map (classification raster) to validate.</source>
            <translation>Choisissez la carte des classes (raster de classification) à valider.</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="403" />
            <source>Comparing the class map with the field data…</source>
            <translation>Comparaison de la carte des classes avec les données terrain…</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="640" />
            <source>Validation</source>
            <translation>Validation</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="427" />
            <source>Validation cancelled.</source>
            <translation>Validation annulée.</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="446" />
            <source>{n} reference pixels. Overall accuracy {oa}, κ {kappa}, macro-F1 {f1}.</source>
            <translation>{n} pixels de référence. Précision globale {oa}, κ {kappa}, macro-F1 {f1}.</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="451" />
            <source>Area-adjusted overall accuracy {oa} (95 % CI).</source>
            <translation>Précision globale ajustée aux surfaces {oa} (IC à 95 %).</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="481" />
            <source>Rows: field data; columns: map (class id).</source>
            <translation>Lignes : terrain ; colonnes : carte (n° de classe).</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="482" />
            <source>Blue: agreement; red: confusion; the shade is the share of the row (the reference class).</source>
            <translation>Bleu : accord ; rouge : confusion ; l'intensité est la part de la ligne (la classe de référence).</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="489" />
            <source>Rows: field data; columns: map (class id). Too many classes for the dock's width: scroll sideways, or open Full size…</source>
            <translation>Lignes : terrain ; colonnes : carte (n° de classe). Trop de classes pour la largeur du panneau : faites défiler, ou ouvrez Taille réelle…</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="505" />
            <source>map: {label}</source>
            <translation>carte : {label}</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="506" />
            <source>reference: {label}</source>
            <translation>référence : {label}</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="538" />
            <source>user's accuracy</source>
            <translation>précision utilisateur</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="538" />
            <source>producer's accuracy</source>
            <translation>précision producteur</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="561" />
            <source>area-adjusted estimates</source>
            <translation>estimations ajustées aux surfaces</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="562" />
            <source>Not available: the class map's areas are unknown.</source>
            <translation>Non disponible : les surfaces de la carte des classes sont inconnues.</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="566" />
            <source>estimated area ({unit}) ± 95 % CI</source>
            <translation>surface estimée ({unit}) ± IC à 95 %</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="566" />
            <source>user's accuracy ± 95 % CI</source>
            <translation>précision utilisateur ± IC à 95 %</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="567" />
            <source>producer's accuracy ± 95 % CI</source>
            <translation>précision producteur ± IC à 95 %</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="615" />
            <source>Run the validation first.</source>
            <translation>Lancez d'abord la validation.</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="619" />
            <source>Export the accuracy report as CSV</source>
            <translation>Exporter le rapport de précision en CSV</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="619" />
            <source>CSV (*.csv)</source>
            <translation>CSV (*.csv)</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="622" />
            <source>Export the accuracy report as HTML</source>
            <translation>Exporter le rapport de précision en HTML</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="622" />
            <source>HTML (*.html)</source>
            <translation>HTML (*.html)</translation>
        </message>
        <message>
            <location filename="../gui/panels/validate_panel.py" line="640" />
            <source>Report written: {path}</source>
            <translation>Rapport écrit : {path}</translation>
        </message>
    </context>
</TS>
