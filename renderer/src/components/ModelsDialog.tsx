import { hardwareSummary } from '../lib/format.js';
import { openModelCatalog } from '../models.js';
import { useApp } from '../state.js';
import { Dialog } from './Dialog.js';
import { ImportModel, useImport, useModelDrop } from './ImportModel.js';
import { ModelCatalog } from './ModelCatalog.js';

const closeCatalog = () => openModelCatalog(false);

/** "Download models…": the whole catalog, and a file on this computer, over whatever is open. */
export function ModelsDialog() {
  const open = useApp((s) => s.models.catalogOpen);
  return (
    <Dialog open={open} onClose={() => openModelCatalog(false)} title="Models" className="models-dialog">
      <ModelsDialogBody />
    </Dialog>
  );
}

function ModelsDialogBody() {
  const overview = useApp((s) => s.models.overview);
  const error = useApp((s) => s.models.error);
  const imp = useImport(closeCatalog);
  const drop = useModelDrop(imp, true);
  return (
    <div className={drop.dragging ? 'drop-target' : undefined} {...drop.handlers}>
      {overview ? (
        <>
          <p className="hint hardware-line">This computer: {hardwareSummary(overview.hardware)}</p>
          <ModelCatalog overview={overview} />
        </>
      ) : (
        <p className="hint">{error ? `The model catalog could not be read: ${error}` : 'Reading the catalog…'}</p>
      )}
      <section className="settings-section" aria-labelledby="models-dialog-import">
        <h3 id="models-dialog-import">Use a model file on this computer</h3>
        <ImportModel imp={imp} compact />
      </section>
    </div>
  );
}
